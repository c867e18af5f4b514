/**
 * @digitlab/viz — see what a digit model learned and why it decides, in Node and in the browser.
 * - Computations (tensors in, plain numbers out, no tensor left behind): every layer's activations,
 *   conv filters, attributions (vanilla gradient, gradient × input, SmoothGrad, integrated gradients
 *   with its completeness check, occlusion, Grad-CAM), layer features reduced to 2-D (PCA, UMAP),
 *   predictions, confusion cells with their example indices, learning curves from metrics.jsonl.
 * - Renderers (strings, no DOM): SVG charts, images and legends, and a self-contained HTML page.
 * Peers: @tensorflow/tfjs-core and @tensorflow/tfjs-layers; no backend and nothing Node-only is
 * imported. `@digitlab/viz/node` adds writing PNG files.
 */
export { layerActivations } from './compute/activations.js';
export type { LayerActivation, LayerActivationsOptions } from './compute/activations.js';
export { runLayers, computingLayers } from './compute/run-layers.js';
export { convFilters, convLayerNames } from './compute/conv-filters.js';
export type { ConvFilters } from './compute/conv-filters.js';
export { attributionMethods } from './compute/attribution.js';
export type { Attribution, AttributionMethod, AttributionOptions } from './compute/attribution.js';
export { vanillaGradient, gradientTimesInput } from './compute/gradient.js';
export { smoothGrad } from './compute/smoothgrad.js';
export type { SmoothGradOptions } from './compute/smoothgrad.js';
export { integratedGradients } from './compute/integrated-gradients.js';
export type { IntegratedGradientsOptions, Completeness } from './compute/integrated-gradients.js';
export { occlusion } from './compute/occlusion.js';
export type { OcclusionOptions } from './compute/occlusion.js';
export { gradCam, defaultCamLayer } from './compute/grad-cam.js';
export type { GradCam, GradCamOptions } from './compute/grad-cam.js';
export { layerFeatures, penultimateLayer } from './compute/layer-features.js';
export type { FeatureRows, LayerFeaturesOptions } from './compute/layer-features.js';
export { pca } from './compute/pca.js';
export type { Projection } from './compute/pca.js';
export { umap } from './compute/umap.js';
export type { UmapOptions } from './compute/umap.js';
export { predictAll } from './compute/predictions.js';
export type { Predictions } from './compute/predictions.js';
export { confusionCells } from './compute/confusion-cells.js';
export type { ConfusionCells } from './compute/confusion-cells.js';
export { parseMetricsJsonl } from './compute/learning-curves.js';
export type { LearningCurves, EpochPoint, EvalPoint } from './compute/learning-curves.js';
export { VizError } from './errors.js';

// Renderers: SVG and HTML strings, PNG bytes; no DOM needed.
export { escapeXml, formatNumber, svgDocument } from './render/svg.js';
export { scaleFor, colorOf, cssColor, colorLegend } from './render/color-scales.js';
export type { ColorScale, ColorScaleKind } from './render/color-scales.js';
export { grayImage, colorImage, blendImages, enlarge, encodePng, pngDataUri, base64 } from './render/raster.js';
export type { RgbaImage } from './render/raster.js';
export { activationSvg, filterGridSvg } from './render/image-grid.js';
export type { GridOptions } from './render/image-grid.js';
export { heatMapOverlaySvg, digitSvg } from './render/heat-map-overlay.js';
export type { OverlayOptions } from './render/heat-map-overlay.js';
export { probabilityBarsSvg } from './render/probability-bars.js';
export type { ProbabilityBarsOptions } from './render/probability-bars.js';
export { lineChartSvg, learningCurvesSvg } from './render/line-chart.js';
export type { Series, LineChartOptions } from './render/line-chart.js';
export { confusionMatrixSvg } from './render/confusion-matrix.js';
export type { ConfusionMatrixOptions } from './render/confusion-matrix.js';
export { embeddingScatterSvg, classColor } from './render/scatter.js';
export type { ScatterOptions } from './render/scatter.js';
export { htmlPage, htmlTable } from './render/html-page.js';
export type { PageOptions, PageSection } from './render/html-page.js';

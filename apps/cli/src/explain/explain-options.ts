/** `digitlab explain`: its usage text, flags, and their parsing into typed options. */
import { attributionMethods, type AttributionMethod } from '@digitlab/viz';
import { UsageError, numberFlag, parseCommandArgs } from '../cli-support.js';

export const explainUsage = `usage: digitlab explain --model DIR|pretrained:NAME FILE... [options]

Shows what the model sees and why it decides, for each image (PNG or JPEG, any size, dark or light ink):
the 28x28 input as the model sees it, the prediction and 10 probabilities, every layer's activations,
and attribution heat maps over the digit. Writes one self-contained HTML file (no network).
  --model DIR|pretrained:NAME  a model folder (e.g. runs/<run>/model) or a shipped pretrained model
  --method NAMES       attribution methods, comma-separated, or all (default gradcam,saliency):
                       ${attributionMethods.join(', ')}
  --layer NAME         the layer for Grad-CAM (default: the last conv block's output, and the output
                       of the block before the last downsampling, whose finer map is rarely all 0)
  --out FILE           the HTML report (default explain.html)
  --png DIR            also write each input and heat map as PNG files into DIR
  --backend NAME       auto|wasm|cpu|tensorflow|cuda (default auto)
  --threads N          wasm worker threads
  --seed S             SmoothGrad noise seed (default 0)
  --config FILE        JSON file whose keys match these flags
  --json               print one JSON object on stdout (predictions, attribution values, layer shapes)
`;

const explainFlags = {
  model: { type: 'string' },
  method: { type: 'string' },
  layer: { type: 'string' },
  out: { type: 'string' },
  png: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** What `digitlab explain` was asked to do. */
export interface ExplainOptions {
  model: string;
  files: string[];
  methods: AttributionMethod[];
  layer?: string;
  out: string;
  png?: string;
  backend?: string;
  threads?: number;
  seed: number;
}

/** Parses and validates the arguments, before anything is loaded or written. */
export function parseExplainArgs(argv: string[]): ExplainOptions {
  const { values, positionals: files } = parseCommandArgs(argv, explainFlags, { allowPositionals: true });
  if (typeof values.model !== 'string') throw new UsageError('--model is required: a model folder (digitlab train writes run/model) or pretrained:<name>, e.g. --model pretrained:bn-cnn');
  if (files.length === 0) throw new UsageError('no image given: pass one or more PNG or JPEG files after the options');
  const requested = typeof values.method === 'string' ? values.method.split(',').map((name) => name.trim()).filter(Boolean) : ['gradcam', 'saliency'];
  const methods = requested.includes('all') ? [...attributionMethods] : requested;
  for (const method of methods) {
    if (!(attributionMethods as readonly string[]).includes(method)) throw new UsageError(`--method: unknown method "${method}". Should be one of: ${attributionMethods.join(', ')}, all`);
  }
  return {
    model: values.model,
    files,
    methods: [...new Set(methods)] as AttributionMethod[],
    ...(typeof values.layer === 'string' ? { layer: values.layer } : {}),
    out: typeof values.out === 'string' ? values.out : 'explain.html',
    ...(typeof values.png === 'string' ? { png: values.png } : {}),
    ...(typeof values.backend === 'string' ? { backend: values.backend } : {}),
    ...(values.threads === undefined ? {} : { threads: numberFlag(values, 'threads', 1, { integer: true, min: 1 }) }),
    seed: numberFlag(values, 'seed', 0, { integer: true }),
  };
}

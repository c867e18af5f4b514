/**
 * Models in a page (and anywhere `fetch` exists), through tfjs-core's own io handlers: load by URL
 * (`https://…/model.json`, a relative URL), from picked files (`tf.io.browserFiles`), from
 * `indexeddb://NAME`; save to `indexeddb://NAME` or `downloads://NAME`. `digitlab.json` travels
 * with the model everywhere: in the artifacts' `userDefinedMetadata.digitlab` (IndexedDB,
 * downloads), as a `digitlab.json` file beside `model.json` (folders, URLs, downloads).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError, ModelOptionError } from './errors.js';
import { type ModelMetadata, type ModelMetadataInit, validateMetadata } from './metadata.js';
import { type LoadedModel, METADATA_JSON, artifactsForSave, modelFromArtifacts, parseModelJson } from './model-artifacts.js';

/** Options of {@link loadModelFrom}. */
export interface LoadModelFromOptions {
  /** The `fetch` for URLs. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Called with the fraction (0..1) of the weights fetched. */
  onProgress?: (fraction: number) => void;
}

/** Where a URL of any scheme points, relative ones resolved against the page (or worker) location. */
function absoluteUrl(source: string | URL): string {
  const href = String(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href)) return href;
  const base = (globalThis as { location?: { href: string } }).location?.href;
  if (base === undefined) {
    throw new ModelOptionError(`loadModelFrom: "${href}" is a relative URL, and outside a page there is nothing to resolve it against. Pass an absolute URL (http://…/model.json), or a folder to loadModel from @digitlab/models/node.`);
  }
  return new URL(href, base).href;
}

function metadataFrom(artifacts: tf.io.ModelArtifacts): unknown {
  return (artifacts.userDefinedMetadata as { digitlab?: unknown } | undefined)?.digitlab;
}

function checkedMetadata(value: unknown, where: string): ModelMetadata {
  validateMetadata(value, where);
  return value;
}

async function fromArtifacts(artifacts: tf.io.ModelArtifacts, metadata: ModelMetadata, names: { modelJson: string; weights: string; metadata: string }): Promise<LoadedModel> {
  const { topology, manifest } = parseModelJson(
    { format: artifacts.format, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: [names.weights], weights: artifacts.weightSpecs ?? [] }] },
    names.modelJson,
  );
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
  return modelFromArtifacts(topology, manifest[0]?.weights ?? [], data, metadata, names);
}

/**
 * Loads a digitlab model with its metadata, checked as `loadModel` checks a folder:
 * - a URL of `model.json` (absolute, or relative to the page): the weights it lists, and
 *   `digitlab.json` beside it unless `model.json` carries the metadata itself;
 * - `indexeddb://NAME` (saved by {@link saveModelTo});
 * - picked files (`File[]`): the model's `.json`, its weight files, and `digitlab.json` unless the
 *   `.json` carries the metadata (as {@link saveModelTo}'s downloads do).
 * @throws ModelFormatError naming what is missing or malformed
 */
export async function loadModelFrom(source: string | URL | readonly File[], options: LoadModelFromOptions = {}): Promise<LoadedModel> {
  if (typeof source !== 'string' && !(source instanceof URL)) return loadFromFiles(source);
  const url = absoluteUrl(source);
  if (/^https?:\/\//i.test(url)) {
    const artifacts = await loadWith(tf.io.http(url, { ...(options.fetch ? { fetchFunc: options.fetch } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) })).catch((error: unknown) => {
        throw new ModelFormatError(url, `cannot load the model at ${url}: ${(error as Error).message}. Check the URL of model.json and that its weight files sit beside it.`, { cause: error });
      });
    const metadataUrl = new URL(METADATA_JSON, url).href;
    const metadata = metadataFrom(artifacts) ?? (await fetchJson(metadataUrl, options.fetch ?? ((input, init) => globalThis.fetch(input, init))));
    return fromArtifacts(artifacts, checkedMetadata(metadata, metadataFrom(artifacts) ? url : metadataUrl), { modelJson: url, weights: url, metadata: metadataUrl });
  }
  const handlers = tf.io.getLoadHandlers(url);
  const handler = handlers[0];
  if (!handler?.load) {
    throw new ModelOptionError(
      `loadModelFrom: nothing here loads "${url}". Pass an http(s) URL of model.json, indexeddb://NAME (in a browser), or the picked files; for a folder on disk use loadModel from @digitlab/models/node.`,
    );
  }
  const artifacts = await handler.load();
  return fromArtifacts(artifacts, checkedMetadata(metadataFrom(artifacts), url), { modelJson: url, weights: url, metadata: url });
}

/** Every handler tfjs makes for URLs and files can load; the type says `load` is optional. */
function loadWith(handler: tf.io.IOHandler): Promise<tf.io.ModelArtifacts> {
  if (!handler.load) return Promise.reject(new Error('this tfjs io handler cannot load'));
  return handler.load();
}

async function fetchJson(url: string, fetchImpl: typeof fetch): Promise<unknown> {
  const response = await fetchImpl(url).catch((error: unknown) => {
    throw new ModelFormatError(url, `cannot fetch ${url}: ${(error as Error).message}.`, { cause: error });
  });
  if (!response.ok) {
    throw new ModelFormatError(url, `${url}: HTTP ${response.status}. A digitlab model needs its ${METADATA_JSON} beside model.json; copy it there, or save the model with saveModel().`);
  }
  try {
    return await response.json();
  } catch (error) {
    throw new ModelFormatError(url, `${url} is not valid JSON (${(error as Error).message}); it should hold the digitlab model metadata.`, { cause: error });
  }
}

async function loadFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const metadataFile = files.find((file) => file.name === METADATA_JSON);
  const jsonFiles = files.filter((file) => file.name.endsWith('.json') && file !== metadataFile);
  const [modelJson] = jsonFiles;
  if (!modelJson || jsonFiles.length > 1) {
    throw new ModelFormatError(
      modelJson?.name ?? 'model.json',
      `loadModelFrom: pick exactly one model .json file with its weight files (and ${METADATA_JSON}); got ${files.map((file) => file.name).join(', ') || 'no files'}.`,
    );
  }
  const weightFiles = files.filter((file) => file !== modelJson && file !== metadataFile);
  const artifacts = await loadWith(tf.io.browserFiles([modelJson, ...weightFiles])).catch((error: unknown) => {
      throw new ModelFormatError(modelJson.name, `cannot read the model from ${files.map((file) => file.name).join(', ')}: ${(error as Error).message}`, { cause: error });
    });
  let metadata = metadataFrom(artifacts);
  let where = modelJson.name;
  if (metadata === undefined) {
    if (!metadataFile) {
      throw new ModelFormatError(METADATA_JSON, `${modelJson.name} carries no digitlab metadata and no ${METADATA_JSON} was picked with it. Pick the model's ${METADATA_JSON} too.`);
    }
    where = metadataFile.name;
    try {
      metadata = JSON.parse(await metadataFile.text()) as unknown;
    } catch (error) {
      throw new ModelFormatError(where, `${where} is not valid JSON (${(error as Error).message}).`, { cause: error });
    }
  }
  return fromArtifacts(artifacts, checkedMetadata(metadata, where), { modelJson: modelJson.name, weights: weightFiles.map((file) => file.name).join(' + '), metadata: where });
}

/**
 * Saves `model` with its metadata through tfjs's io handlers: `indexeddb://NAME` (the metadata in
 * the stored artifacts), `downloads://NAME` (`NAME.json` carrying the metadata, `NAME.weights.bin`,
 * and `digitlab.json`), or any other scheme tfjs knows. Checks as `saveModel` does.
 * @returns the metadata saved
 * @throws ModelOptionError for an unknown destination, non-finite weights or labels that do not match the outputs
 */
export async function saveModelTo(model: tfl.LayersModel, destination: string, metadata: ModelMetadataInit): Promise<ModelMetadata> {
  const handler = tf.io.getSaveHandlers(destination)[0];
  if (!handler?.save) {
    throw new ModelOptionError(`saveModelTo: nothing here saves to "${destination}". Use indexeddb://NAME or downloads://NAME in a browser; for a folder on disk use saveModel from @digitlab/models/node.`);
  }
  const { artifacts, metadata: full } = await artifactsForSave(model, metadata, destination);
  await handler.save(artifacts);
  if (destination.startsWith('downloads://')) download(new Blob([`${JSON.stringify(full, null, 2)}\n`], { type: 'application/json' }), METADATA_JSON);
  return full;
}

/** Offers `blob` as a download named `name`, the way tfjs's `downloads://` handler does. */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.download = name;
  anchor.href = url;
  anchor.dispatchEvent(new MouseEvent('click'));
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

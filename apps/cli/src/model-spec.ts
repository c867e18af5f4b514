/**
 * `--model`, one vocabulary in every command: a model folder (`runs/<run>/model`, a checkpoint),
 * `pretrained:NAME` (weights shipped in @digitlab/models), or a zoo name for a fresh, untrained
 * model where the command can use one (train, lr-find).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, listModels, loadModel, loadPretrained, ModelFormatError, type LoadedModel, type ModelMetadata } from '@digitlab/models/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeFileError } from '@digitlab/errors';
import { UsageError } from './exit-codes.js';

/** What a `--model` value names. */
export type ModelSpec = { kind: 'folder'; path: string } | { kind: 'pretrained'; name: string } | { kind: 'zoo'; name: string };

/** Which kinds a command accepts, and the flag name to quote in errors. */
export interface ModelSpecOptions {
  flag?: string;
  /** A fresh zoo model makes sense (train, lr-find); elsewhere a zoo name is refused with the fix. */
  zoo?: boolean;
  /** Saved models (folders, pretrained:) make sense; `train` starts from scratch only. */
  saved?: boolean;
}

const zooNames = () => listModels().map((entry) => entry.name as string);

/**
 * Parses a `--model` value. An existing folder is a folder; `pretrained:NAME` is shipped weights;
 * a zoo name is a fresh model; anything else is a folder that will be reported missing on load.
 */
export function parseModelSpec(value: string, { flag = '--model', zoo = false, saved = true }: ModelSpecOptions = {}): ModelSpec {
  const forms = [saved ? 'a model folder (e.g. runs/<run>/model)' : '', saved ? 'pretrained:NAME' : '', zoo ? `a zoo name (${zooNames().join(', ')})` : ''].filter(Boolean).join(', ');
  if (value.startsWith('pretrained:')) {
    const name = value.slice('pretrained:'.length);
    if (!saved) throw new UsageError(`${flag} "${value}": this command starts a fresh model, so it takes a zoo name (${zooNames().join(', ')}). To train further from shipped weights, use digitlab finetune --model ${value}.`);
    if (!zooNames().includes(name)) throw new UsageError(`${flag} "${value}": no pretrained model "${name}". Should be pretrained:NAME with NAME one of: ${zooNames().join(', ')}`);
    return { kind: 'pretrained', name };
  }
  const isDirectory = existsSync(value) && statSync(value).isDirectory();
  if (isDirectory && saved) return { kind: 'folder', path: value };
  if (zooNames().includes(value)) {
    if (zoo) return { kind: 'zoo', name: value };
    throw new UsageError(`${flag} "${value}" names a zoo architecture, whose fresh weights are random. Pass pretrained:${value} for the shipped weights, or a folder saved by digitlab train.`);
  }
  if (!saved) throw new UsageError(`${flag}: unknown model "${value}". Should be one of: ${zooNames().join(', ')}`);
  if (!existsSync(value)) throw new UsageError(`${flag} "${value}" does not exist. Pass ${forms}.`);
  return { kind: 'folder', path: value };
}

/** How a spec is written back (config.json, digitlab.json, JSON output). */
export function describeModelSpec(spec: ModelSpec): string {
  return spec.kind === 'pretrained' ? `pretrained:${spec.name}` : spec.kind === 'zoo' ? spec.name : spec.path;
}

/** A model to start from: its layers, and its metadata when it was saved (a fresh zoo model has none). */
export interface ResolvedModel {
  model: tfl.LayersModel;
  metadata: ModelMetadata | undefined;
  spec: ModelSpec;
}

/**
 * Loads what `spec` names: a folder (a run folder is pointed to its `model/`), shipped weights, or
 * a fresh zoo model built with `seed` and `numClasses`.
 */
export async function resolveModel(spec: ModelSpec, { flag = '--model', seed = 0, numClasses = 10 }: { flag?: string; seed?: number; numClasses?: number } = {}): Promise<ResolvedModel> {
  if (spec.kind === 'zoo') return { model: createModel(spec.name, { seed, numClasses }), metadata: undefined, spec };
  const loaded = await loadSavedModel(spec, flag);
  return { model: loaded.model, metadata: loaded.metadata, spec };
}

/** Loads a saved model (folder or pretrained). */
export async function loadSavedModel(spec: ModelSpec, flag = '--model'): Promise<LoadedModel> {
  if (spec.kind === 'pretrained') return loadPretrained(spec.name);
  if (spec.kind === 'zoo') throw new UsageError(`${flag} "${spec.name}" is a fresh zoo model; this command needs a saved one (a folder or pretrained:${spec.name}).`);
  try {
    statSync(join(spec.path, 'model.json'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ModelFormatError(spec.path, `${flag} ${describeFileError(error, spec.path)}`, { cause: error });
  }
  if (!existsSync(join(spec.path, 'model.json'))) {
    const hint = existsSync(join(spec.path, 'model', 'model.json')) ? ` It looks like a run folder: pass "${join(spec.path, 'model')}".` : '';
    throw new UsageError(`${flag} "${spec.path}" is not a model folder (no model.json).${hint} Pass a folder saved by digitlab train (run/model) or pretrained:NAME.`);
  }
  return loadModel(spec.path);
}

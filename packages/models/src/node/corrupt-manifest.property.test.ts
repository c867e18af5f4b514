/**
 * Property-based tests (fast-check): random corruptions of a real saved model (the pretrained
 * fast-cnn folder) fed to `loadModel` (a folder) and `loadModelFrom` (a model.json URL), which share
 * the checks in model-artifacts.ts. Each run must load or end in a ModelsError, never another
 * error, a hang, or a topology built bigger than its weights (the array-buffer growth is bounded).
 * Budget: 40 runs per property, about 10 s for the file on one loaded core (cpu backend).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsError } from '../errors.js';
import { loadModelFrom } from '../model-io.js';
import { loadModel } from './load-model.js';
import { pretrainedPath } from './pretrained.js';

const runs = { numRuns: 40, interruptAfterTimeLimit: 30_000, seed: 21 } as const;
const files = ['model.json', 'weights.bin', 'digitlab.json'] as const;

let root: string;
let original: Record<(typeof files)[number], Uint8Array>;
let counter = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'digitlab-manifest-'));
  const source = pretrainedPath('fast-cnn');
  original = {
    'model.json': await readFile(join(source, 'model.json')),
    'weights.bin': await readFile(join(source, 'weights.bin')),
    'digitlab.json': await readFile(join(source, 'digitlab.json')),
  };
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function folderWith(changed: Partial<Record<(typeof files)[number], Uint8Array>>): Promise<string> {
  const dir = join(root, `model-${counter++}`);
  await mkdir(dir);
  for (const name of files) await writeFile(join(dir, name), changed[name] ?? original[name]);
  return dir;
}

/** Serves http://models.test/<folder>/<file> from the temp root, as a static server would (404 when missing). */
async function folderFetch(input: RequestInfo | URL): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  try {
    return new Response(await readFile(join(root, decodeURIComponent(url.pathname))));
  } catch {
    return new Response('not found', { status: 404 });
  }
}

/** Loads through both entry points; returns the errors (undefined where it loaded). */
async function loadBoth(dir: string): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const load of [
    () => loadModel(dir),
    () => loadModelFrom(`http://models.test/${basename(dir)}/model.json`, { fetch: folderFetch }),
  ]) {
    try {
      const loaded = await load();
      loaded.model.dispose();
      errors.push(undefined);
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

function expectTyped(errors: unknown[]): void {
  for (const error of errors) {
    if (error !== undefined && !ModelsError.isInstance(error)) throw new Error(`untyped error: ${String((error as Error)?.stack ?? error)}`);
  }
}

/** Every path to a value inside a JSON document. */
function jsonPaths(value: unknown, prefix: (string | number)[] = [], found: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) found.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => jsonPaths(item, [...prefix, i], found));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) jsonPaths(item, [...prefix, key], found);
  return found;
}

function setAt(document: unknown, path: (string | number)[], value: unknown): void {
  let node = document as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
}

const absurd = fc.oneof(
  fc.constantFrom(500_000, 0xffffffff, -1, 0, 1e308, Number.MAX_SAFE_INTEGER, null, 'x', [], {}, [1e9, 1e9]),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('loadModel and loadModelFrom under random corruption', () => {
  it('model.json and digitlab.json with a random value replaced: a model or a ModelsError', async () => {
    const paths = {
      'model.json': jsonPaths(JSON.parse(new TextDecoder().decode(original['model.json']))),
      'digitlab.json': jsonPaths(JSON.parse(new TextDecoder().decode(original['digitlab.json']))),
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('model.json', 'digitlab.json'), fc.nat(), absurd, async (name, pick, value) => {
        const document = JSON.parse(new TextDecoder().decode(original[name]));
        const candidates = paths[name];
        setAt(document, candidates[pick % candidates.length] as (string | number)[], value);
        const before = process.memoryUsage().arrayBuffers;
        expectTyped(await loadBoth(await folderWith({ [name]: new TextEncoder().encode(JSON.stringify(document)) })));
        // Bound: nothing built beyond the manifest's weights (fast-cnn: under 1 MB) plus slack.
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
      }),
      runs,
    );
  });

  it('units: 500000 in a Dense layer is refused before the topology is built', async () => {
    const document = JSON.parse(new TextDecoder().decode(original['model.json']));
    const dense = jsonPaths(document).find((path) => path.at(-1) === 'units') as (string | number)[];
    setAt(document, dense, 500_000);
    const started = performance.now();
    const errors = await loadBoth(await folderWith({ 'model.json': new TextEncoder().encode(JSON.stringify(document)) }));
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const error of errors) expect(String((error as Error).message)).toMatch(/units 500000 but its kernel in the weightsManifest is \[/);
  });

  it('truncated, bit-flipped or extended files: a model or a ModelsError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.oneof(
          fc.record({ cut: fc.double({ min: 0, max: 1, noNaN: true }) }),
          fc.record({ flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }) }),
          fc.record({ extra: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
        ),
        async (name, change) => {
          let bytes = Uint8Array.from(original[name]);
          if ('cut' in change) bytes = bytes.subarray(0, Math.floor(change.cut * bytes.length));
          if ('flips' in change) for (const [at, bit] of change.flips) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ (1 << bit);
          if ('extra' in change) bytes = Uint8Array.from([...bytes, ...change.extra]);
          expectTyped(await loadBoth(await folderWith({ [name]: bytes })));
        },
      ),
      runs,
    );
  });
});


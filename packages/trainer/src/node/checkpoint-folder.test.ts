import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';
import { describeEachBackend } from '../__fixtures__/backend.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint-folder.js';
import { CheckpointError } from '../errors.js';
import { adam } from '../optimizers/adam.js';

const directory = mkdtempSync(join(tmpdir(), 'digitlab-checkpoint-'));
// The package's src/, one level above this file.
const sourceDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
// The child runs our real checkpoint code, transpiled from src/ next to the package's
// node_modules so it resolves the same tfjs copies (no build step needed).
const childDirectory = join(sourceDirectory, '..', 'node_modules', '.cache', `kill-test-${process.pid}`);
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  rmSync(childDirectory, { recursive: true, force: true });
});

function tinyModel(seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [20], units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

const baseState = (step: number) => ({
  epoch: 0,
  step,
  stepInEpoch: step,
  rng: { algorithm: 'splitmix32-counter' as const, seed: 1 },
  schedule: { kind: 'constant' as const, learningRate: 0.1 },
  best: null,
  epochsWithoutImprovement: 0,
});

describeEachBackend('checkpoints', (backend) => {
  // One folder per backend: the suite runs once on each, and a kill leaves temp folders behind.
  const folder = (name: string) => join(directory, backend.name, name);

  it('round-trip the weights and the optimizer slots', async () => {
    const model = tinyModel(1);
    const optimizer = adam();
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    tf.tidy(() => optimizer.applyGradients(variables, variables.map((v) => tf.onesLike(v)), { learningRate: 0.1 }));
    await saveCheckpoint(folder('round-trip'), model, optimizer, baseState(1));

    const other = tinyModel(50);
    const restoredOptimizer = adam();
    const state = await restoreCheckpoint(folder('round-trip'), other, restoredOptimizer);
    expect(state.step).toBe(1);
    expect(other.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    expect(restoredOptimizer.iterations).toBe(1);
    const slots = (o: typeof optimizer) => Object.fromEntries(Object.entries(o.getState().slots).map(([key, t]) => [key, Array.from(t.dataSync())]));
    expect(slots(restoredOptimizer)).toEqual(slots(optimizer));
    // The model part is the stock layers format: tf.loadLayersModel reads it.
    const manifest = JSON.parse(readFileSync(join(folder('round-trip'), 'model.json'), 'utf8')) as { format: string };
    expect(manifest.format).toBe('layers-model');
    [model, other].forEach((m) => m.dispose());
    [optimizer, restoredOptimizer].forEach((o) => o.dispose());
  });

  it('refuses a folder that is not a checkpoint, naming it', async () => {
    await expect(readCheckpoint(folder('nothing-here'))).rejects.toThrow(CheckpointError);
    await expect(readCheckpoint(folder('nothing-here'))).rejects.toThrow(/nothing-here" is not a checkpoint/);
  });

  it('reads last.previous when a save was killed between its two renames', async () => {
    const parent = folder('between-renames');
    const model = tinyModel(4);
    const optimizer = adam();
    await saveCheckpoint(join(parent, 'last'), model, optimizer, baseState(7));
    // What a kill after `rename(last, last.previous)` and before `rename(temp, last)` leaves.
    renameSync(join(parent, 'last'), join(parent, 'last.previous'));
    mkdirSync(join(parent, '.last.tmp-1-1'));
    const other = tinyModel(5);
    const otherOptimizer = adam();
    const restored = await restoreCheckpoint(join(parent, 'last'), other, otherOptimizer);
    expect(restored.step).toBe(7);
    expect(other.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    [model, other].forEach((m) => m.dispose());
    [optimizer, otherOptimizer].forEach((o) => o.dispose());
  });
});

describeEachBackend(
  'checkpoints under kill -9',
  (backend) => {
    const folder = (name: string) => join(directory, backend.name, name);

    it('survives the writing process being killed mid-write: last/ always loads', async () => {
      mkdirSync(childDirectory, { recursive: true });
      for (const file of listSources(sourceDirectory)) {
        const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } });
        const target = join(childDirectory, relative(sourceDirectory, file).replace(/\.ts$/, '.js'));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, output.outputText);
      }
      // The child completes `saves` checkpoints, then starts one more whose model writer writes the
      // model into the temp folder, says "in-write" and never returns: the parent kills it there.
      writeFileSync(
        join(childDirectory, 'child.mjs'),
        `import '@tensorflow/tfjs-backend-cpu';
  import * as tf from '@tensorflow/tfjs-core';
  import * as tfl from '@tensorflow/tfjs-layers';
  import { saveCheckpoint, writeLayersModel } from './node/checkpoint-folder.js';
  import { adam } from './optimizers/adam.js';
  await tf.setBackend('cpu');
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [20], units: 64 }), tfl.layers.dense({ units: 10 })] });
  const optimizer = adam();
  const variables = model.trainableWeights.map((w) => w.read());
  tf.tidy(() => optimizer.applyGradients(variables, variables.map((v) => tf.onesLike(v)), { learningRate: 0.1 }));
  const saves = Number(process.argv[3]);
  const hang = async (trained, folder) => {
    await writeLayersModel(trained, folder);
    process.stdout.write('in-write\\n');
    setInterval(() => undefined, 1000);
    await new Promise(() => undefined);
  };
  for (let step = 1; step <= saves + 1; step++) {
    await saveCheckpoint(process.argv[2], model, optimizer, ${JSON.stringify(baseState(0)).replace('"step":0', '"step":step')}, step > saves ? hang : undefined);
  }
  `,
      );
      for (const saves of [0, 1, 2, 3]) {
        const parent = folder(`killed-after-${saves}`);
        const target = join(parent, 'last');
        const child = spawn(process.execPath, [join(childDirectory, 'child.mjs'), target, String(saves)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        await new Promise<void>((resolve, reject) => {
          child.on('error', reject);
          child.on('exit', (code) => reject(new Error(`checkpoint child exited before its write with ${code}: ${stderr}`)));
          child.stdout.on('data', (chunk: Buffer) => {
            if (!chunk.toString().includes('in-write')) return;
            child.removeAllListeners('exit');
            // Killed with the next checkpoint half-written in its temp folder.
            expect(readdirSync(parent).filter((name) => name.startsWith('.last.tmp-'))).toHaveLength(1);
            child.on('exit', () => resolve());
            child.kill('SIGKILL');
          });
        });
        if (saves === 0) {
          // Killed during the first write: there is no checkpoint, and nothing pretends to be one.
          await expect(readCheckpoint(target)).rejects.toThrow(/is not a checkpoint/);
          continue;
        }
        const model = tinyModel(3);
        const optimizer = adam();
        const state = await restoreCheckpoint(target, model, optimizer);
        expect(state.step).toBe(saves);
        expect(optimizer.iterations).toBe(1);
        model.dispose();
        optimizer.dispose();
        // The temp folder is never read as the checkpoint; it is the only leftover.
        expect(readdirSync(parent).filter((name) => !name.startsWith('.last.tmp-'))).toEqual(['last']);
      }
    });
  },
  { skip: { cpu: 'the killed child process writes on cpu whatever the suite runs on; again on cpu it would add 5 s of process starts and no coverage' } },
);

function listSources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === '__fixtures__' ? [] : listSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NoBackendAvailableError, UnknownBackendError } from '@digitlab/backend';
import { CsvFormatError, DatasetError, DatasetOptionError, loadMnist } from '@digitlab/datasets/node';
import { DigitlabError } from '@digitlab/errors';
import { createModel, ModelFormatError, ModelOptionError, ModelsError, loadPretrained } from '@digitlab/models/node';
import { CheckpointError, FinetuneError, TrainerError, TrainerOptionError, prepareFinetune } from '@digitlab/trainer/node';
import { ExitCode, UsageError, exitCodeFor } from './exit-codes.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('exitCodeFor', () => {
  it('maps the codes of option errors to 2 and every other error to 1, whatever the message says', () => {
    expect(exitCodeFor(new UsageError('anything'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new UnknownBackendError('quantum', ['cpu']))).toBe(ExitCode.usage);
    expect(exitCodeFor(new DatasetOptionError('x'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new ModelOptionError('x'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new TrainerOptionError('x'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new FinetuneError('x'))).toBe(ExitCode.usage);
    // A message that reads like a usage mistake does not make a failure one.
    expect(exitCodeFor(new CsvFormatError('unknown flag --x: usage error', 'a.csv', 1, 1))).toBe(ExitCode.failure);
    expect(exitCodeFor(new NoBackendAvailableError([]))).toBe(ExitCode.failure);
    expect(exitCodeFor(new CheckpointError('x', '/tmp'))).toBe(ExitCode.failure);
    expect(exitCodeFor(new Error('usage'))).toBe(ExitCode.failure);
    expect(exitCodeFor('a string')).toBe(ExitCode.failure);
  });

  it('classifies what the libraries really throw for bad options', async () => {
    const sources = await loadMnist({ sources: ['nowhere' as never] }).catch((error: unknown) => error);
    expect(DatasetOptionError.isInstance(sources)).toBe(true);
    expect(exitCodeFor(sources)).toBe(ExitCode.usage);

    const pretrained = await loadPretrained('no-such-model').catch((error: unknown) => error);
    expect(ModelsError.isInstance(pretrained)).toBe(true);
    expect(exitCodeFor(pretrained)).toBe(ExitCode.usage);

    const model = createModel('mlp', { seed: 0 });
    try {
      const freeze = (() => {
        try {
          prepareFinetune(model, { kind: 'freeze', layers: ['no-such-layer'] }, { numClasses: 10 });
        } catch (error) {
          return error;
        }
      })();
      expect(FinetuneError.isInstance(freeze)).toBe(true);
      expect((freeze as Error).message).toContain('no-such-layer');
      expect(exitCodeFor(freeze)).toBe(ExitCode.usage);
    } finally {
      model.dispose();
    }
  });
});

describe('the error hierarchy', () => {
  it('makes every package error a DigitlabError with a code, and each isInstance true for its own kind only', () => {
    const dataset = new DatasetError('d');
    const format = new ModelFormatError('/m', 'f');
    const checkpoint = new CheckpointError('c', '/c');
    const usage = new UsageError('u');
    for (const error of [dataset, format, checkpoint, usage, new UnknownBackendError('x', [])]) {
      expect(DigitlabError.isInstance(error)).toBe(true);
      expect(error.code).toMatch(/^[A-Z]+(_[A-Z]+)+$/);
    }
    expect(TrainerError.isInstance(checkpoint)).toBe(true);
    expect(TrainerError.isInstance(dataset)).toBe(false);
    expect(TrainerError.isInstance(format)).toBe(false);
    expect(TrainerError.isInstance(usage)).toBe(false);
    expect(ModelsError.isInstance(dataset)).toBe(false);
    expect(DatasetError.isInstance(format)).toBe(false);
    expect(CheckpointError.isInstance(new TrainerError('t'))).toBe(false);
    expect(UsageError.isInstance(dataset)).toBe(false);
    expect(TrainerOptionError.isInstance(new FinetuneError('f'))).toBe(true);
  });
});

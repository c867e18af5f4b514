/** Messages between the Train view and its Web Worker (`train-worker.ts`). */
import type { io } from '@tensorflow/tfjs-core';
import type { ModelMetadata } from '@digitlab/models';

export interface TrainSettings {
  /** The page's base URL: the worker fetches `wasm/` and `mnist/` from it. */
  baseUrl: string;
  epochs: number;
  batchSize: number;
  /** Peak learning rate of the one-cycle schedule. */
  learningRate: number;
  seed: number;
}

export type ToWorker = { type: 'start'; settings: TrainSettings } | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

export type FromWorker =
  | { type: 'backend'; name: string; threads: number; description: string }
  | { type: 'status'; message: string }
  | { type: 'step'; step: number; totalSteps: number; epoch: number; loss: number; accuracy: number; imagesPerSecond: number }
  | { type: 'evaluated'; epoch: number; testAccuracy: number }
  /** The trained model (tfjs artifacts, weights in one buffer) with its `digitlab.json`. */
  | { type: 'model'; artifacts: io.ModelArtifacts; metadata: ModelMetadata }
  | { type: 'error'; message: string };

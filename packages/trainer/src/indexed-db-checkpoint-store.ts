/**
 * Checkpoints in IndexedDB, for training in a page: one record per checkpoint (`<run>/best`,
 * `<run>/last`) holding the trainer state, the model's topology and weights, the optimizer slots
 * and the weight average. Each save is one `put` in one transaction, so it is atomic.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CheckpointContents, CheckpointName, CheckpointStore, LoadedCheckpoint } from './checkpoint.js';
import { validateTrainerState } from './checkpoint.js';
import { CheckpointError } from './errors.js';

/** Default IndexedDB database of {@link indexedDbCheckpointStore}. */
export const CHECKPOINT_DATABASE = 'digitlab-checkpoints';
const STORE = 'checkpoints';

interface CheckpointRecord extends CheckpointContents {
  key: string;
  run: string;
  name: string;
  savedAt: string;
  model: { topology: unknown; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer };
}

/** Options of {@link indexedDbCheckpointStore}. */
export interface IndexedDbCheckpointStoreOptions {
  /** The IndexedDB database. Default {@link CHECKPOINT_DATABASE}. */
  databaseName?: string;
}

function request<T>(operation: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(name: string): Promise<IDBDatabase> {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    return Promise.reject(new CheckpointError(`IndexedDB is not available here. Use folderCheckpointStore from @digitlab/trainer/node in Node, or pass your own CheckpointStore.`, `indexeddb://${name}`));
  }
  const opening = factory.open(name, 1);
  opening.onupgradeneeded = () => {
    if (!opening.result.objectStoreNames.contains(STORE)) opening.result.createObjectStore(STORE, { keyPath: 'key' });
  };
  return request(opening);
}

async function withStore<T>(databaseName: string, mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const database = await openDatabase(databaseName);
  try {
    const transaction = database.transaction(STORE, mode);
    // Written data is durable only once the transaction completes, not when the request succeeds.
    const completed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
    const [result] = await Promise.all([request(body(transaction.objectStore(STORE))), completed]);
    return result;
  } finally {
    database.close();
  }
}

/** The topology, weight specs and weight bytes of `model`, as `model.save` hands them to a handler. */
async function captureModel(model: tfl.LayersModel): Promise<CheckpointRecord['model']> {
  let captured: CheckpointRecord['model'] | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = { topology: artifacts.modelTopology, specs: artifacts.weightSpecs ?? [], data: tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured) throw new Error('tfjs-layers did not hand the model artifacts to the save handler');
  return captured;
}

/**
 * A {@link CheckpointStore} in the page's IndexedDB: checkpoints of the run `run` are the records
 * `<run>/best` and `<run>/last` of the database {@link CHECKPOINT_DATABASE}.
 */
export function indexedDbCheckpointStore(run: string, options: IndexedDbCheckpointStoreOptions = {}): CheckpointStore {
  const databaseName = options.databaseName ?? CHECKPOINT_DATABASE;
  const describe = (name: CheckpointName) => `indexeddb://${databaseName}/${run}/${name}`;
  return {
    describe,
    async save(name, model, contents) {
      try {
        const record: CheckpointRecord = { key: `${run}/${name}`, run, name, savedAt: new Date().toISOString(), model: await captureModel(model), ...contents };
        await withStore(databaseName, 'readwrite', (store) => store.put(record));
      } catch (error) {
        if (error instanceof CheckpointError) throw error;
        throw new CheckpointError(`cannot write checkpoint "${describe(name)}": ${(error as Error).message}. The browser may be out of storage quota; free some, or save less often.`, describe(name), { cause: error });
      }
    },
    async load(name): Promise<LoadedCheckpoint> {
      const where = describe(name);
      let record: CheckpointRecord | undefined;
      try {
        record = await withStore(databaseName, 'readonly', (store) => store.get(`${run}/${name}`) as IDBRequest<CheckpointRecord | undefined>);
      } catch (error) {
        throw new CheckpointError(`cannot read checkpoint "${where}": ${(error as Error).message}.`, where, { cause: error });
      }
      if (!record) throw new CheckpointError(`"${where}" is not a checkpoint: IndexedDB holds no record ${run}/${name}. Check the run name, or start the run without resuming.`, where);
      try {
        return {
          location: where,
          state: validateTrainerState(record.state, where),
          weights: { specs: record.model.specs, data: record.model.data },
          slots: record.slots,
          ...(record.average ? { average: record.average } : {}),
        };
      } catch (error) {
        throw new CheckpointError(`cannot read checkpoint "${where}": ${(error as Error).message}. Resume from the run's other checkpoint, or start the run again.`, where, { cause: error });
      }
    },
    async list() {
      const keys = await withStore(databaseName, 'readonly', (store) => store.getAllKeys());
      const prefix = `${run}/`;
      return keys.map(String).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    },
  };
}

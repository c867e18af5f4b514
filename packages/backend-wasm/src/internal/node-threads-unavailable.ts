/**
 * What `#node-threads` resolves to outside Node (package.json `imports`, `default` condition):
 * the same exports, none of which a browser reaches (the plugin and the kernel pool call them only
 * when `isNode()`), each failing with why should one be called anyway.
 * @internal
 */
import type * as NodeThreads from './node-threads.js';

export type { EvalWorker } from './node-threads.js';

function nodeOnly(what: string): never {
  throw new Error(`${what} runs only in Node (this JavaScript runtime resolved "#node-threads" without the "node" condition)`);
}

export const withNodeThreadedWasm: typeof NodeThreads.withNodeThreadedWasm = () => nodeOnly('the threaded tfjs-backend-wasm start-up');
export const nodeCoreCount: typeof NodeThreads.nodeCoreCount = () => nodeOnly('nodeCoreCount');
export const startEvalWorker: typeof NodeThreads.startEvalWorker = () => nodeOnly('the kernel pool');

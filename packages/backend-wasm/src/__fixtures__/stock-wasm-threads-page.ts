// A page entry: stock tfjs-backend-wasm asked for `?threads=` threads, without our plugin; reports the
// thread count it starts (tfjs 4.22 caps it at navigator.hardwareConcurrency / 2).
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const threads = Number(new URLSearchParams(location.search).get('threads'));
setWasmPaths('/wasm-files/');
setThreadsCount(threads);
await tf.setBackend('wasm');
(globalThis as { pageResult?: unknown }).pageResult = { threads: getThreadsCount(), hardwareConcurrency: navigator.hardwareConcurrency, backend: tf.getBackend() };

#!/usr/bin/env node
// The libraries in Chromium beside Node: training img/s, batch-1 prediction, page size (issue #16).
// See browser-vs-node.ts; `node packages/trainer/bench/browser-vs-node.mjs` from the repository root.
import { runTypeScriptBench } from '../../../bench/typescript-bench.mjs';

await runTypeScriptBench(new URL('./browser-vs-node.ts', import.meta.url));

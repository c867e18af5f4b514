#!/usr/bin/env node
// The built demo in Chromium: first prediction, prediction after a stroke, in-page training (issue #18).
// See demo-in-chromium.ts; `node apps/demo/bench/demo-in-chromium.mjs` from the repository root.
import { runTypeScriptBench } from '../../../bench/typescript-bench.mjs';

await runTypeScriptBench(new URL('./demo-in-chromium.ts', import.meta.url));

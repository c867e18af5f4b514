/**
 * Imported before any spec file: installs jasmine's globals, which tfjs-core's spec files call
 * (`describe`) at import, registers tfjs-core's gradients and the one test environment the
 * specs run in.
 */
import jasmineRequire from 'jasmine-core/lib/jasmine-core/jasmine.js';
import { registerTestEnv } from '@tensorflow/tfjs-core/dist/jasmine_util.js';
// Every op's gradient and the chained ops (`x.mul(y)`), as tfjs-core's own test setup and the @tensorflow/tfjs bundle register them.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

/** The jasmine instance the specs register with. */
export const jasmine = jasmineRequire.core(jasmineRequire);
// jasmine-core's Node `boot()` reads its own folder at run time, which a bundle no longer has: install the globals as it does.
Object.assign(globalThis, jasmineRequire.interface(jasmine, jasmine.getEnv()));
// Declaration order, so two runs list the specs the same way; tfjs-core declares some suites twice
// (e.g. two "clone" suites), which jasmine ≥ 5 refuses by default.
jasmine.getEnv().configure({ random: false, forbidDuplicateNames: false });
// tfjs-core's own setting (jasmine_util sets it on a jasmine copy of its own, not the one with the globals).
jasmine.DEFAULT_TIMEOUT_INTERVAL = 20_000;

// As tfjs-backend-wasm registers itself for tfjs's CI: the `wasm` backend, data readable synchronously,
// no extra flags. `describeWithFlags` runs each suite once per registered environment.
registerTestEnv({ name: 'wasm', backendName: 'wasm', flags: {}, isDataSync: true });

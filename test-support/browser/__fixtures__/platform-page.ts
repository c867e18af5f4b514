// A page entry for the harness's own test: the backend package's main entry, bundled for the browser.
import { currentPlatform } from '../../../packages/backend/src/index.js';

(globalThis as { pageResult?: unknown }).pageResult = { platform: currentPlatform(), isolated: globalThis.crossOriginIsolated };

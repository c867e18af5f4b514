/** What one run of the peer suite reports, spec by spec. */

/** One jasmine spec and how it ended. */
export interface PeerSpecResult {
  /** jasmine's full name: the suite names (with the test environment) and the spec. */
  name: string;
  /** The tfjs-core test file that declared it (relative to tfjs-core's `dist/`). */
  file: string;
  status: 'passed' | 'failed' | 'pending' | 'excluded';
  /** The failed expectations' messages (empty when it passed). */
  messages: string[];
}

/** A whole run. */
export interface PeerSuiteOutcome {
  backend: string;
  specs: PeerSpecResult[];
  /** Failures outside any spec (a beforeAll or afterAll that threw). */
  suiteErrors: string[];
  /** With our kernels: kernel name → spec file → calls (empty for stock). */
  kernelCalls: Record<string, Record<string, number>>;
}

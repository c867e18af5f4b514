/** The checked-in list of specs stock tfjs-backend-wasm fails too, and the check of a run against it. */
import type { PeerSuiteOutcome } from './peer-suite-result.js';

/** test/peer-suite-known-failures.json, as compare-with-stock.mjs writes it. */
export interface KnownFailures {
  knownFailures: { spec: string; file: string; reason: string; message: string }[];
}

/** What disagrees between a run and the list; all three empty when the run is as expected. */
export interface KnownFailureCheck {
  /** Failed with our kernels and not listed (stock passes them): a bug of ours. */
  unexpected: string[];
  /** Listed but passed: the list is stale; rerun compare-with-stock.mjs. */
  nowPassing: string[];
  /** Listed but no longer declared by tfjs-core: the list is stale. */
  missing: string[];
}

/** Checks a run of our kernels against the list. */
export function checkAgainstKnownFailures(outcome: PeerSuiteOutcome, known: KnownFailures): KnownFailureCheck {
  const listed = new Set(known.knownFailures.map((failure) => failure.spec));
  const passed = new Set(outcome.specs.filter((spec) => spec.status === 'passed').map((spec) => spec.name));
  const declared = new Set(outcome.specs.map((spec) => spec.name));
  return {
    unexpected: outcome.specs.filter((spec) => spec.status === 'failed' && !listed.has(spec.name)).map((spec) => `${spec.name} (${spec.file}): ${spec.messages.join(' | ')}`),
    nowPassing: known.knownFailures.filter((failure) => passed.has(failure.spec)).map((failure) => `${failure.spec} (listed: ${failure.reason})`),
    missing: known.knownFailures.filter((failure) => !declared.has(failure.spec)).map((failure) => failure.spec),
  };
}

/** Kernel name → the tfjs-core test files (relative to its `dist/`) that run it; empty: no tfjs-core op reaches it. */
export declare const kernelSuites: Readonly<Record<string, readonly string[]>>;
/** Why a kernel with no tfjs-core test file is still covered. */
export declare const unreachableReasons: Readonly<Record<string, string>>;
/** Every test file in `kernelSuites`, once each, in a stable order. */
export declare function peerSuiteFiles(): string[];
/** The (kernel, file) pairs of `kernelSuites` that a run never called, as "Kernel in file". */
export declare function unexercisedMappings(kernelCalls: Readonly<Record<string, Readonly<Record<string, number>>>>): string[];

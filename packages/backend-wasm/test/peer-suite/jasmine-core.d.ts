/** The part of jasmine-core's browser-and-Node core (`lib/jasmine-core/jasmine.js`) the peer suite uses; jasmine-core ships no types. */
declare module 'jasmine-core/lib/jasmine-core/jasmine.js' {
  interface SpecResult {
    id: string;
    fullName: string;
    status: 'passed' | 'failed' | 'pending' | 'excluded';
    failedExpectations: { message: string }[];
  }
  interface JasmineEnv {
    configure(options: { random?: boolean; forbidDuplicateNames?: boolean }): void;
    addReporter(reporter: {
      specStarted?(result: SpecResult): void;
      suiteStarted?(result: SpecResult): void;
      specDone?(result: SpecResult): void;
      suiteDone?(result: SpecResult): void;
      jasmineDone?(result: { overallStatus: string; failedExpectations: { message: string }[] }): void;
    }): void;
    execute(): Promise<{ overallStatus: string }>;
    topSuite(): { children: { id: string }[] };
  }
  interface Jasmine {
    DEFAULT_TIMEOUT_INTERVAL: number;
    getEnv(): JasmineEnv;
  }
  interface JasmineRequire {
    /** A new jasmine instance. */
    core(jasmineRequire: JasmineRequire): Jasmine;
    /** The globals (`describe`, `it`, `expect`, `jasmine`, …) bound to `env`. */
    interface(jasmine: Jasmine, env: JasmineEnv): Record<string, unknown>;
  }
  const jasmineRequire: JasmineRequire;
  export default jasmineRequire;
}

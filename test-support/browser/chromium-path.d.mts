/** Where the browser tests look for Chromium, in order: $CHROMIUM_PATH, then the usual Linux paths. */
export declare function chromiumCandidates(): string[];

/** @digitlab/backend-wasm — see README. */
export {};

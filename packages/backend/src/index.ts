/** @digitlab/backend — see README. */
export {};

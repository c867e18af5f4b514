/** @digitlab/models — see README. */
export {};

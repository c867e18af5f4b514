/** @digitlab/viz — see README. */
export {};

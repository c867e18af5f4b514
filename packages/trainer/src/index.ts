/** @digitlab/trainer — see README. */
export {};

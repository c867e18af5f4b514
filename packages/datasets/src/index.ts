/** @digitlab/datasets — see README. */
export {};

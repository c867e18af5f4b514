/** @digitlab/backend-node — see README. */
export {};

/** @digitlab/backend-cuda — see README. */
export {};

/** True in Node (and runtimes that present themselves as Node): where `#node-threads` resolves to the real thing. @internal */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';
}

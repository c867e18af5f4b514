/** The zoo models whose weights this version ships, each in the folder of the same name. */
export const pretrainedNames = ['fast-cnn', 'bn-cnn'] as const;

/** A model whose weights this package ships. */
export type PretrainedName = (typeof pretrainedNames)[number];

/**
 * The URL of a shipped model's `model.json` (a `file:` URL in Node, the package's served location
 * under a bundler that keeps `new URL(..., import.meta.url)`); its weights and `digitlab.json` sit
 * beside it.
 * @throws Error for a name this package does not ship, listing the names it does
 */
export function packagedModelUrl(name: PretrainedName | (string & {})): URL {
  if (!(pretrainedNames as readonly string[]).includes(name)) {
    throw new Error(`No pretrained weights for "${name}" in @digitlab/pretrained. It ships: ${pretrainedNames.join(', ')}.`);
  }
  // The model folders sit at the package root, one level above both `src/` and `dist/`.
  return new URL(`../${name}/model.json`, import.meta.url);
}

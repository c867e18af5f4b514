// Types of scripts/pack-workspace.mjs for the tests that import it.
export interface PackedPackage {
  /** The package folder, relative to the repository root (`packages/models`). */
  dir: string;
  /** The tarball's absolute path. */
  file: string;
  bytes: number;
  /** The package.json inside the tarball (ranges rewritten as published). */
  manifest: {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    [key: string]: unknown;
  };
  /** Paths inside the tarball, without the `package/` prefix. */
  files: string[];
  /** A file of the tarball as text. */
  read(path: string): string;
}
export const repositoryRoot: string;
export function pnpmCommand(root?: string): [string, string[]];
export function publishableDirectories(root?: string): string[];
export function packWorkspace(destination: string, root?: string): PackedPackage[];
export function coherenceProblems(packs: readonly PackedPackage[]): string[];

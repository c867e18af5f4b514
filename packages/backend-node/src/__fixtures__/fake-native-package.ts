/**
 * Writes a folder shaped like an installed `@tensorflow/tfjs-node` (package.json, dist/index.js,
 * lib/napi-v8/tfjs_binding.node, deps/lib/libtensorflow.so.2) into a temp dir, with the pieces a test
 * asks for. Its index.js behaves like tfjs-node on import: registers a `tensorflow` tfjs backend (tfjs's
 * cpu engine and kernels under that name, since no libtensorflow is here) and calls setBackend on it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakePackageOptions {
  packageName?: string;
  version?: string;
  binding?: boolean;
  libtensorflow?: boolean;
  /** Makes importing the package throw this message, as a failing dlopen would. */
  importError?: string;
}

/** Creates the fake package; returns the folder to resolve from and the package folder. */
export function writeFakeNativePackage({
  packageName = '@tensorflow/tfjs-node',
  version = '4.22.0',
  binding = true,
  libtensorflow = true,
  importError,
}: FakePackageOptions = {}): { root: string; packageDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'digitlab-native-'));
  const packageDir = join(root, 'node_modules', ...packageName.split('/'));
  mkdirSync(join(packageDir, 'dist'), { recursive: true });
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: packageName, version, main: 'dist/index.js' }));
  const tfjsCore = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core');
  writeFileSync(
    join(packageDir, 'dist', 'index.js'),
    importError
      ? `throw new Error(${JSON.stringify(importError)});\n`
      : [
          `const tf = require(${JSON.stringify(tfjsCore)});`,
          `if (tf.findBackendFactory('tensorflow') === null) {`,
          `  tf.registerBackend('tensorflow', tf.findBackendFactory('cpu'), 3);`,
          `  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });`,
          `}`,
          `globalThis.fakeTfjsNodeImports = (globalThis.fakeTfjsNodeImports ?? 0) + 1;`,
          `tf.setBackend('tensorflow');`,
          '',
        ].join('\n'),
  );
  if (binding) {
    mkdirSync(join(packageDir, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  }
  if (libtensorflow) {
    mkdirSync(join(packageDir, 'deps', 'lib'), { recursive: true });
    writeFileSync(join(packageDir, 'deps', 'lib', 'libtensorflow.so.2'), '');
  }
  return { root, packageDir };
}

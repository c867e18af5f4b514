#!/bin/bash
# Packs what scripts/gpu-host-check.sh needs into .devpack/ for a GPU machine that reaches no
# registry: the CLI with its production dependencies (pnpm deploy), gpu-check, the bench driver,
# PyTorch's reference script, @tensorflow/tfjs-node-gpu's package files (its install script, which
# downloads libtensorflow, is not run), and this machine's node binary (x86-64 Linux).
#   bash scripts/pack-for-gpu-host.sh && (on the GPU host, in a checkout with .devpack/) bash scripts/gpu-host-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pnpm="npx -y pnpm@10.34.8"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
$pnpm build >/dev/null
$pnpm --filter @digitlab/cli deploy --prod --legacy "$work/cli" >/dev/null
cd "$work/cli"
mkdir -p scripts packages apps/cli bench
cp "$root/scripts/gpu-check.mjs" scripts/
cp "$root/bench/run.js" bench/
cp "${DIGITLAB_PYTORCH_REFERENCE:-$root/../shared/bench/pytorch_reference.py}" bench/
# gpu-check and bench/run.js find the packages and the CLI where they sit in the repository.
for package in backend backend-cuda backend-node backend-wasm models; do ln -s "../node_modules/@digitlab/$package" "packages/$package"; done
ln -s ../../package.json apps/cli/package.json
ln -s ../../node_modules apps/cli/node_modules
ln -s ../../dist apps/cli/dist
(cd "$work" && npm pack --silent @tensorflow/tfjs-node-gpu@4.22.0 >/dev/null)
mkdir -p node_modules/@tensorflow/tfjs-node-gpu
tar -xzf "$work"/tensorflow-tfjs-node-gpu-4.22.0.tgz -C node_modules/@tensorflow/tfjs-node-gpu --strip-components=1
mkdir -p "$root/.devpack"
tar -C "$work" -cf - cli | xz -T2 -6 >"$root/.devpack/pack.tar.xz"
xz -T2 -6 -c "$(command -v node)" >"$root/.devpack/node.xz"
ls -la "$root/.devpack"

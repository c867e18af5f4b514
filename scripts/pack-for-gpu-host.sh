#!/bin/bash
# Packs what scripts/gpu-host-check.sh needs into .devpack/ for a GPU machine that reaches no
# registry: the CLI with its production dependencies (pnpm deploy), gpu-check, the bench driver,
# PyTorch's reference script, @tensorflow/tfjs-node-gpu's package files (its install script, which
# downloads libtensorflow, is not run), and this machine's node binary (x86-64 Linux).
#   [BASE_COMMIT=<commit>] bash scripts/pack-for-gpu-host.sh
#   then on the GPU host, in a checkout with .devpack/: bash scripts/gpu-host-check.sh (or gpu-host-bench.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pnpm="npx -y pnpm@10.34.8"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
$pnpm build >/dev/null
# Not --prod: the native engine plugins are optional peers of the CLI, installed as its devDependencies.
$pnpm --filter @digitlab/cli deploy --legacy "$work/cli" >/dev/null
cd "$work/cli"
mkdir -p scripts packages apps/cli bench
cp "$root/scripts/gpu-check.mjs" scripts/
cp "$root/bench/run.js" "$root/bench/run-until-json.mjs" "$root/bench/pytorch_extra.py" bench/
cp "${DIGITLAB_PYTORCH_REFERENCE:-$root/../shared/bench/pytorch_reference.py}" bench/
# gpu-check and bench/run.js find the packages and the CLI where they sit in the repository.
for package in backend backend-cuda backend-node backend-wasm models; do ln -s "../node_modules/@digitlab/$package" "packages/$package"; done
ln -s ../../package.json apps/cli/package.json
ln -s ../../node_modules apps/cli/node_modules
ln -s ../../dist apps/cli/dist
(cd "$work" && npm pack --silent @tensorflow/tfjs-node-gpu@4.22.0 >/dev/null)
mkdir -p node_modules/@tensorflow/tfjs-node-gpu
tar -xzf "$work"/tensorflow-tfjs-node-gpu-4.22.0.tgz -C node_modules/@tensorflow/tfjs-node-gpu --strip-components=1
# The wasm package's benches, and optionally an earlier build of it to compare with
# (BASE_COMMIT=<commit>: its dist lands in .cache/base/dist, for bench/step-times.mjs --dist).
wasm=node_modules/@digitlab/backend-wasm
cp -r "$root/packages/backend-wasm/bench" "$wasm/"
if [ -n "${BASE_COMMIT:-}" ]; then
  tree="$work/base"
  git -C "$root" worktree add -q "$tree" "$BASE_COMMIT"
  ln -s "$root/node_modules" "$tree/node_modules"
  for package in backend backend-wasm; do ln -s "$root/packages/$package/node_modules" "$tree/packages/$package/node_modules"; done
  (cd "$tree" && npx tsc --build packages/backend-wasm)
  mkdir -p "$wasm/.cache/base"
  cp -r "$tree/packages/backend-wasm/dist" "$wasm/.cache/base/dist"
  git -C "$root" worktree remove --force "$tree"
fi
mkdir -p "$root/.devpack"
tar -C "$work" -cf - cli | xz -T2 -6 >"$root/.devpack/pack.tar.xz"
xz -T2 -6 -c "$(command -v node)" >"$root/.devpack/node.xz"
ls -la "$root/.devpack"

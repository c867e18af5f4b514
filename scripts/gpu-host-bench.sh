#!/bin/bash
# Thread scaling of the wasm engine on a many-core host (the GPU machine's 16 cores), run from the
# repository root after BASE_COMMIT=<commit> bash scripts/pack-for-gpu-host.sh made .devpack/:
# training-step and inference times of the zoo nets for the earlier build (base), this build, and
# this build with XNNPACK's operators on one thread (xnn1), at 1-8 threads; then bench/run.js,
# ours beside PyTorch on the same CPU. Results also go to $OUT (default /tmp).
set -u
out=${OUT:-/tmp}
mkdir -p /tmp/dp && tar -xJf .devpack/pack.tar.xz -C /tmp/dp && xz -dc .devpack/node.xz > /tmp/dp/node && chmod +x /tmp/dp/node || exit 1
export PATH=/tmp/dp:$PATH
cd /tmp/dp/cli || exit 1
nproc; grep -m1 'model name' /proc/cpuinfo
# Knobs: DISTS (builds to compare), SEED_THREADS, OTHER_THREADS (bn-cnn, resnet-mini), ROUNDS.
steps() { # model threads rounds
  node node_modules/@digitlab/backend-wasm/bench/step-times.mjs --dist "${DISTS:-.cache/base/dist,dist,dist:xnn1}" --model "$1" --threads "$2" --rounds "$3" 2>&1 | grep -v '^$' | tee -a "$out/steps.txt"
}
for threads in ${SEED_THREADS:-1 2 4 8}; do steps seed-cnn "$threads" "${ROUNDS:-2}"; done
for threads in ${OTHER_THREADS:-1 8}; do steps bn-cnn "$threads" 1; steps resnet-mini "$threads" 1; done
export DIGITLAB_PYTHON=$(command -v python3) DIGITLAB_PYTORCH_REFERENCE=bench/pytorch_reference.py
timeout 200 node bench/run.js --no-scripts --no-sweep --models seed-cnn --threads 1,2,4,8 2>&1 | grep -v '^bench: \|^using\|^$' | tee "$out/bench-seed.txt"
timeout 120 node bench/run.js --no-scripts --no-sweep --models resnet-mini --threads 1,8 2>&1 | grep -v '^bench: \|^using\|^$' | tee "$out/bench-resnet.txt"
echo done

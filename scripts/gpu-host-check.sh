#!/bin/bash
# The GPU-host check, run from the repository root of a machine with an NVIDIA GPU that reaches no
# registry, after scripts/pack-for-gpu-host.sh made .devpack/ here: what the machine has (driver,
# CUDA libraries), the cuda plugin's detection on it, scripts/gpu-check.mjs (cuda, then wasm), and how
# our wasm engine scales with threads on a many-core host beside PyTorch on the same CPU.
# Outputs also go to $OUT (default /tmp).
set -u
say() { echo "=== $*"; }
say machine; nproc; grep -m1 'model name' /proc/cpuinfo; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
say driver files; cat /proc/driver/nvidia/version 2>&1 | head -2; ls /proc/driver/nvidia/gpus 2>&1; cat /proc/driver/nvidia/gpus/*/information 2>&1 | head -3
say cuda libraries; ldconfig -p | grep -E 'libcudart|libcudnn' ; ls -d /usr/local/cuda* 2>&1; echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
mkdir -p /tmp/dp && tar -xJf .devpack/pack.tar.xz -C /tmp/dp && xz -dc .devpack/node.xz > /tmp/dp/node && chmod +x /tmp/dp/node || exit 1
export PATH=/tmp/dp:$PATH
node --version
cd /tmp/dp/cli
say digitlab backends; node dist/bin.js backends --json | tee ${OUT:-/tmp}/backends.json
say gpu-check cuda; node scripts/gpu-check.mjs --backend cuda --json; echo "rc=$?"
say gpu-check wasm; node --experimental-wasm-relaxed-simd scripts/gpu-check.mjs --backend wasm --steps 30 --json; echo "rc=$?"
say bench; export DIGITLAB_PYTHON=$(command -v python3) DIGITLAB_PYTORCH_REFERENCE=bench/pytorch_reference.py
$DIGITLAB_PYTHON -c 'import torch; print("torch", torch.__version__, "cpu threads", torch.get_num_threads())'
timeout 300 node bench/run.js --no-scripts --no-sweep --models seed-cnn --threads 1,2,4,8,16 2>&1 | tee ${OUT:-/tmp}/bench-seed.txt
timeout 120 node bench/run.js --no-scripts --no-sweep --models resnet-mini --threads 1,8 2>&1 | tee ${OUT:-/tmp}/bench-resnet.txt
say done

#!/usr/bin/env bash
# Reproduces the pretrained weights shipped in @digitlab/pretrained (packages/pretrained/<name>/) with our own CLI.
# Usage: scripts/train-pretrained.sh [fast-cnn|bn-cnn]...   (default: both). Needs `pnpm build` first.
# Each model's digitlab.json records the recipe, the seed and the test metrics of the run.
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(fast-cnn bn-cnn)
for model in "${models[@]}"; do
  case "$model" in
    # Adam β(0.7, 0.9), one-cycle lr 0.01, batch 128, 3 epochs (digitlab train's defaults for fast-cnn).
    fast-cnn) args=(--model fast-cnn --epochs 3 --lr 0.01 --seed 0) ;;
    # The same optimiser and schedule with augmentation and a moving average of the weights (decay
    # 0.999), 30 epochs: about 2 h of training on 2 cores (the shipped run: docs/pretrained-bn-cnn.md).
    # Interrupted? `node apps/cli/dist/bin.js train --resume runs/pretrained-bn-cnn` continues the
    # schedule from checkpoints/last; then copy runs/pretrained-bn-cnn/model as below.
    bn-cnn) args=(--model bn-cnn --epochs 30 --augment --ema 0.999 --seed 2) ;;
    *) echo "unknown model \"$model\": use fast-cnn or bn-cnn" >&2; exit 2 ;;
  esac
  run="runs/pretrained-$model"
  rm -rf "$run"
  node apps/cli/dist/bin.js train "${args[@]}" --out "$run"
  target="packages/pretrained/$model"
  rm -rf "$target.tmp" && cp -r "$run/model" "$target.tmp"
  rm -rf "$target" && mv "$target.tmp" "$target"
  echo "shipped $target ($(du -sh "$target" | cut -f1))"
done

#!/usr/bin/env python3
"""What `pnpm bench` needs from PyTorch beyond the shared reference, built on the reference itself.

The nets and the timed loop are the shared reference's (`pytorch_reference.py`, found through
DIGITLAB_PYTORCH_REFERENCE or ../shared/bench/ beside the repository); this adds:
  resnet18   the reference's ResNetMini with widths 64-128-256-512 (4 stages x 2 basic blocks on
             28x28x1, 3x3 stem, no max-pool), as `createModel('resnet18')` builds it in @digitlab/models
  maxRssBytes  peak resident memory of this process (getrusage ru_maxrss, KiB on Linux), per run

  pytorch_extra.py throughput --model resnet18 --batch 64 --steps 1 [--optimizer sgdm] [--threads 1]

Prints the reference's JSON object with `maxRssBytes` added.
"""
import argparse, json, os, resource, sys

here = os.path.dirname(os.path.abspath(__file__))
reference_path = os.environ.get("DIGITLAB_PYTORCH_REFERENCE") or os.path.join(here, "..", "..", "shared", "bench", "pytorch_reference.py")
if not os.path.exists(reference_path):
    sys.exit(f"pytorch_extra.py: the shared reference {reference_path} is missing; set DIGITLAB_PYTORCH_REFERENCE to pytorch_reference.py")
sys.path.insert(0, os.path.dirname(os.path.abspath(reference_path)))
import pytorch_reference as reference  # noqa: E402
import torch  # noqa: E402

RESNET18_WIDTHS = (64, 128, 256, 512)
MODELS = {**reference.MODELS, "resnet18": lambda: reference.ResNetMini(widths=RESNET18_WIDTHS)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["throughput"])
    parser.add_argument("--model", choices=sorted(MODELS), default="seed-cnn")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--optimizer", default="sgdm")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    # The reference's throughput() looks its net up in its own MODELS table.
    reference.MODELS.update(MODELS)
    result = reference.throughput(args)
    result.update({"engine": f"pytorch {torch.__version__}", "mode": args.mode, "model": args.model, "batch": args.batch,
                   "optimizer": args.optimizer, "threads": torch.get_num_threads(),
                   "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""6-digit reading time of this checkout's segmentation against another's, in one process.

    python -m benchmarks.side_by_side OLD_CHECKOUT [--count 40] [--rounds 9] [--scenario clean]

OLD_CHECKOUT's ``segmentation`` package is copied aside under the name
``segmentation_old`` (its imports rewritten to match), so both versions read the same
composed numbers with the same loaded models (validation, search and scorers: all of
``recognize`` but assembling the result), in alternating order drawing by drawing, so a
busy spell of the shared machine falls on both. Per drawing the median over rounds is
taken; printed are p50 over drawings of wall and CPU time, and the median per-drawing
ratio new / old. E.g. OLD_CHECKOUT a worktree of the commit before a change:
``git worktree add /tmp/old HEAD~1``.
"""
import argparse
import importlib
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def import_old(checkout, where):
    """The ``segmentation`` package of ``checkout``, imported as ``segmentation_old``."""
    dst = Path(where) / "segmentation_old"
    shutil.copytree(Path(checkout) / "segmentation", dst)
    for f in dst.glob("*.py"):
        f.write_text(re.sub(r"\b(from|import) segmentation\b", r"\1 segmentation_old", f.read_text()))
    sys.path.insert(0, str(where))
    return importlib.import_module("segmentation_old")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="a checkout of the project to compare against")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", default="clean")
    parser.add_argument("--data", default=None)
    args = parser.parse_args(argv)

    import segmentation as new
    from recognizer import NumberRecognizer
    from training.compose import generate, load_bank

    with tempfile.TemporaryDirectory() as tmp:
        old = import_old(args.old, tmp)
        rec = NumberRecognizer.load()
        drawings = [s.strokes for s in generate(args.scenario, args.count, args.seed,
                                                bank=load_bank(args.data), n_digits=6)]
        read = {name: (lambda d, m=m: m.segment(m.validate_ink(d), rec.score_groups,
                                                 path_scorer=rec.score_paths))
                for name, m in (("old", old), ("new", new))}
        for d in drawings:
            for f in read.values():
                f(d)
        wall = {k: np.zeros((len(drawings), args.rounds)) for k in read}
        cpu = {k: np.zeros((len(drawings), args.rounds)) for k in read}
        for r in range(args.rounds):
            for i, d in enumerate(drawings):
                order = ("old", "new") if (i + r) % 2 else ("new", "old")
                for k in order:
                    w, c = time.perf_counter(), time.process_time()
                    read[k](d)
                    wall[k][i, r] = time.perf_counter() - w
                    cpu[k][i, r] = time.process_time() - c
    print(f"6-digit numbers ({args.scenario}), {len(drawings)} drawings x {args.rounds} rounds")
    for what, times in (("wall", wall), ("CPU", cpu)):
        med = {k: np.median(v, axis=1) for k, v in times.items()}
        ratio = med["new"] / med["old"]
        print(f"{what:>4} p50 ms: old {1e3 * np.median(med['old']):.2f}  new "
              f"{1e3 * np.median(med['new']):.2f}  per-drawing ratio new/old median "
              f"{np.median(ratio):.3f} (p10 {np.percentile(ratio, 10):.3f}, "
              f"p90 {np.percentile(ratio, 90):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

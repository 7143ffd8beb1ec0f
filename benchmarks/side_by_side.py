"""p50 of ``benchmarks.recognize`` for two checkouts, measured in alternating rounds.

    python -m benchmarks.side_by_side OLD_DIR NEW_DIR [--rounds 5] [--count 30] [--repeat 7]

Each round runs the benchmark once in each checkout (a fresh process, in turns, so a busy
spell of the shared machine falls on both), and the ratio NEW / OLD of each round's p50 is
reported with its median and spread: e.g. OLD a worktree of the commit before a change.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np


def p50_ms(checkout, count, repeat):
    """The total p50 (ms) that ``benchmarks.recognize`` prints in ``checkout``."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(checkout), TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-m", "benchmarks.recognize", "--count", str(count),
                          "--repeat", str(repeat)], cwd=checkout, env=env, capture_output=True,
                         text=True, check=True).stdout
    return float(re.search(r"^total\s+([\d.]+)", out, re.M).group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    rows = []
    for r in range(args.rounds):
        old, new = p50_ms(args.old, args.count, args.repeat), p50_ms(args.new, args.count, args.repeat)
        rows.append((old, new))
        print(f"round {r}: old {old:.2f} ms  new {new:.2f} ms  ratio {new / old:.3f}", flush=True)
    ratio = np.array([n / o for o, n in rows])
    print(f"6-digit p50, new / old: median {np.median(ratio):.3f} "
          f"(min {ratio.min():.3f}, max {ratio.max():.3f}) over {len(rows)} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

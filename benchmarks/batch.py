"""Throughput of batch recognition, ``inkdigits recognize FILE.jsonl --jobs N``.

    python -m benchmarks.batch [--count 600] [--jobs 1 2] [--data DIR]

Composed 6-digit numbers (``training.compose``, clean) are written to a JSON Lines file;
the command reads it once per ``--jobs`` value, in a fresh process each time. Printed:
the wall time with start-up, drawings per second, and the rate against one process.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from training.compose import generate, load_bank

    drawings = generate("clean", args.count, args.seed, bank=load_bank(args.data), n_digits=6)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "drawings.jsonl")
        with open(path, "w") as f:
            for i, d in enumerate(drawings):
                f.write(json.dumps({"id": i, "strokes": [s.tolist() for s in d.strokes]}) + "\n")
        rates = {}
        print(f"{args.count} drawings (6-digit numbers) from one JSON Lines file")
        for jobs in args.jobs:
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "inkdigits.cli", "recognize", path,
                                  "--jobs", str(jobs)], capture_output=True, text=True)
            took = time.perf_counter() - start
            lines = out.stdout.splitlines()
            if out.returncode != 0 or len(lines) != args.count:
                print(f"--jobs {jobs}: failed ({out.returncode}): {out.stderr[-300:]}")
                return 1
            rates[jobs] = args.count / took
            print(f"--jobs {jobs}: {took:6.1f} s with start-up, {rates[jobs]:6.1f} drawings/s, "
                  f"x{rates[jobs] / rates[args.jobs[0]]:.2f} of --jobs {args.jobs[0]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

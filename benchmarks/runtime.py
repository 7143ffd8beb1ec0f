"""LiteRT against Keras, side by side in one run: start-up, memory, latency, parity.

    python -m benchmarks.runtime [--count 200] [--seed 0] [--starts 3] [--data DIR]
                                 [--latency-seeds 0-3]

1. Start to first reading, median of ``--starts`` fresh processes each: the library
   (import, load, read one drawing) and ``inkdigits recognize one.json``.
2. Peak RSS of a web app worker (``create_app`` and one ``/api/recognize``).
3. 6-digit ``recognize`` p50 over composed dev numbers, both recognizers in one process,
   alternating drawing by drawing; the ratio Keras / LiteRT; and of it, one digit-CNN call
   on each drawing's candidate crops, the only part the runtime changes.
4. Parity on every ``evaluate-ink`` case of one seed (each source and scenario of the dev
   split, ``--count`` numbers each): readings whose text differs, and the largest
   difference of a digit probability.
Targets (issue 15): start <= 1.5 s, worker RSS <= 250 MB, p50 >= 1.5x faster, same texts
and probabilities within 1e-4.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

LIBRARY = ("import time, sys; t = time.perf_counter(); from recognizer import NumberRecognizer; "
           "NumberRecognizer.load().recognize([[[0, 0], [0, 100]]]); "
           "print(time.perf_counter() - t)")
WORKER = ("import resource, json; from webapp import create_app; "
          "c = create_app({'TESTING': True, 'DATABASE': '%s'}).test_client(); "
          "r = c.post('/api/recognize', json={'strokes': [[[0, 0], [0, 100]]]}, "
          "headers={'Host': 'localhost'}); assert r.status_code == 200, r.data; "
          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def _run(code, runtime, *args):
    env = dict(os.environ, INKDIGITS_RUNTIME=runtime)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *(["-c", code] if code else args)], env=env,
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def starts(runtime, n, drawing):
    """Median seconds from process start to the first reading: library, CLI."""
    lib = [_run(LIBRARY, runtime)[0] for _ in range(n)]
    cli = [_run(None, runtime, "-m", "inkdigits.cli", "recognize", drawing)[0] for _ in range(n)]
    return float(np.median(lib)), float(np.median(cli))


def worker_rss(runtime, tmp):
    code = WORKER % os.path.join(tmp, f"{runtime}.sqlite")
    return float(_run(code, runtime)[1].split()[-1])


def alternating(calls, items, rounds=5):
    """Per name of ``calls`` (name -> one-argument callable), each item's median seconds:
    every call warmed up on every item, then timed in ``rounds``, alternating which goes
    first item by item, so that both see the same machine."""
    times = {k: np.zeros((len(items), rounds)) for k in calls}
    for x in items:
        for call in calls.values():
            call(x)
    for r in range(rounds):
        for i, x in enumerate(items):
            for k in (list(calls) if (i + r) % 2 else list(calls)[::-1]):
                t = time.perf_counter()
                calls[k](x)
                times[k][i, r] = time.perf_counter() - t
    return {k: np.median(v, axis=1) for k, v in times.items()}


def latency(recs, drawings, rounds=5):
    """Per recognizer name, each drawing's median seconds of ``recognize``."""
    return alternating({k: rec.recognize for k, rec in recs.items()}, drawings, rounds)


def model_calls(recs, drawings, rounds=5):
    """Per recognizer name, the median seconds of one digit-CNN call on each drawing's
    candidate crops (the batch ``score_groups`` gives it), alternating recognizers: what
    the runtime alone changes, without the segmentation and rendering both share; and
    the batches' sizes."""
    from recognizer import NumberRecognizer

    lite = recs["lite"]
    batches = []
    for d in drawings:
        seen = []
        NumberRecognizer(classifier=lambda crops: seen.append(crops) or lite.classifier(crops),
                         path_reader=lite.path_reader).recognize(d)
        batches.append(seen[0])                # the first call: every candidate of the drawing
    calls = {k: rec.classifier for k, rec in recs.items()}
    return alternating(calls, batches, rounds), [len(b) for b in batches]


def parity(recs, data, seed, count):
    """(cases, texts that differ, largest probability difference) over evaluate-ink's cases."""
    from training.compose import SCENARIOS, SOURCES, generate, load_bank

    cases = differ = 0
    worst = 0.0
    for source in SOURCES:
        bank = load_bank(data, source, "dev")
        for scenario in SCENARIOS:
            for s in generate(scenario, count, seed, bank=bank):
                a, b = (recs[k].recognize(s.strokes) for k in ("keras", "lite"))
                cases += 1
                differ += a.text != b.text
                if a.text == b.text:
                    for da, db in zip(a.digits, b.digits):
                        worst = max(worst, float(np.abs(np.subtract(da.probabilities,
                                                                    db.probabilities)).max()))
    return cases, differ, worst


def _seeds(text):
    """'0-3' -> [0, 1, 2, 3]; '0,7' -> [0, 7]."""
    if "-" in text:
        lo, hi = (int(v) for v in text.split("-", 1))
        return list(range(lo, hi + 1))
    return [int(v) for v in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="numbers per parity case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--latency-count", type=int, default=40)
    parser.add_argument("--latency-seeds", type=_seeds, default=[0],
                        help="seeds of the latency drawings: 0 (default), 0-3, 0,7")
    parser.add_argument("--data", default=None)
    args = parser.parse_args(argv)

    from recognizer import NumberRecognizer
    from recognizer.classifier import load_classifier
    from training.compose import generate, load_bank

    with tempfile.TemporaryDirectory() as tmp:
        drawing = os.path.join(tmp, "one.json")
        with open(drawing, "w") as f:
            json.dump({"strokes": [[[0, 0], [0, 100]], [[40, 0], [80, 0], [50, 100]]]}, f)
        print("process start to first reading, median of", args.starts, flush=True)
        for rt in ("keras", "lite"):
            lib, cli = starts(rt, args.starts, drawing)
            print(f"  {rt:<6} library {lib:5.2f} s   inkdigits recognize {cli:5.2f} s", flush=True)
        for rt in ("keras", "lite"):
            print(f"web app worker peak RSS, {rt:<6}: {worker_rss(rt, tmp):6.0f} MB", flush=True)

    recs = {rt: NumberRecognizer(classifier=load_classifier(runtime=rt),
                                 path_reader=load_classifier(paths=True, runtime=rt))
            for rt in ("keras", "lite")}
    ratios = []
    for seed in args.latency_seeds:
        drawings = [s.strokes for s in generate("clean", args.latency_count, seed,
                                                bank=load_bank(args.data), n_digits=6)]
        med = latency(recs, drawings)
        p50 = {k: 1e3 * float(np.median(v)) for k, v in med.items()}
        ratio = med["keras"] / med["lite"]
        ratios.append(float(np.median(ratio)))
        print(f"6-digit recognize p50, seed {seed}: keras {p50['keras']:.2f} ms, lite "
              f"{p50['lite']:.2f} ms; per-drawing keras/lite median x{ratios[-1]:.2f} "
              f"(p10 x{np.percentile(ratio, 10):.2f}, p90 x{np.percentile(ratio, 90):.2f})",
              flush=True)
        calls, sizes = model_calls(recs, drawings)
        print(f"  of which one digit-CNN call ({int(np.median(sizes))} crops, median): keras "
              f"{1e3 * np.median(calls['keras']):.2f} ms, lite "
              f"{1e3 * np.median(calls['lite']):.2f} ms; per-drawing "
              f"x{np.median(calls['keras'] / calls['lite']):.2f}", flush=True)
    if len(ratios) > 1:
        print(f"keras/lite over {len(ratios)} seeds: median x{np.median(ratios):.2f}, "
              f"range x{min(ratios):.2f}-x{max(ratios):.2f}", flush=True)
    cases, differ, worst = parity(recs, args.data, args.seed, args.count)
    print(f"parity on {cases} evaluate-ink cases (seed {args.seed}, dev): {differ} texts differ; "
          f"largest digit-probability difference {worst:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

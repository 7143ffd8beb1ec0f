"""Summaries of ``evaluate-ink`` runs over seeds, and the tables it prints.

A summary pools one scenario's runs (one per seed): exact-match mean and spread (the
standard deviation over seeds), digit accuracy and wrong-count rate (means), per-writer
exact-match over all seeds (the worst writer and the 10th-percentile one) and the most
common errors over all seeds, and the exact-match of numbers with neighbours written in one
stroke (joined) and of the rest, pooled over the seeds.
"""
from collections import Counter

import numpy as np

TOP = 5   # errors and misread numbers shown


def summarize(runs, seeds, target):
    """One scenario's runs (``evaluate`` results, one per seed in ``seeds``) as one summary."""
    exact = np.array([r["exact"] for r in runs])
    writers, errors, misread = Counter(), Counter(), Counter()
    for r in runs:
        errors.update(r["errors"])
        misread.update(r["misread"])
        for w, (right, n) in r["by_writer"].items():
            writers[w, "right"] += right
            writers[w, "n"] += n
    ranked = sorted(((100.0 * writers[w, "right"] / writers[w, "n"], str(w), w)
                     for w in {w for w, _ in writers}), key=lambda x: x[:2])
    def writer(k):
        pct, _, w = ranked[k]
        return {"writer": w, "exact": pct, "numbers": writers[w, "n"]}
    mean = float(exact.mean())
    pooled = np.sum([r.get("joined", [[0, 0], [0, 0]]) for r in runs], axis=0)
    joined = {kind: {"numbers": int(n), "exact": 100.0 * right / n if n else None}
              for kind, (right, n) in zip(("joined", "apart"), pooled.tolist())}
    return {
        "n": int(sum(r["n"] for r in runs)), "seeds": list(seeds),
        "exact": mean, "exact_spread": float(exact.std(ddof=1)) if len(exact) > 1 else 0.0,
        "exact_by_seed": exact.tolist(),
        "digit_accuracy": float(np.mean([r["digit_accuracy"] for r in runs])),
        "wrong_count": float(np.mean([r["wrong_count"] for r in runs])),
        "merges": float(np.mean([r.get("merges", 0.0) for r in runs])),
        "splits": float(np.mean([r.get("splits", 0.0) for r in runs])),
        "regrouped": float(np.mean([r.get("regrouped", 0.0) for r in runs])),
        "refused": int(sum(r.get("refused", 0) for r in runs)),   # over the work budget
        "writers": len(ranked),
        "worst_writer": writer(0),
        "p10_writer": writer(int(0.1 * (len(ranked) - 1))),   # the lower of two neighbours
        "errors": dict(errors.most_common(TOP)),
        "misread": dict(misread.most_common(TOP)),
        "ms_per_number": float(np.median([r["ms_per_number"] for r in runs])),
        "joined": joined,
        "target": target, "met": mean >= target,
    }


def _seeds(seeds):
    s = list(seeds)
    return f"{s[0]}-{s[-1]}" if len(s) > 2 and s == list(range(s[0], s[-1] + 1)) else \
        ",".join(map(str, s))


def _title(head, source, writers):
    return (f"{head['split']} writers of {source} ({len(writers)} writers), seeds "
            f"{_seeds(head['seeds'])}, {head['count']} numbers per scenario and seed, "
            f"model {head['model']}, pen-path reader {head['path_model']}"
            + (f", 1 pen point in {head['every']}" if head['every'] > 1 else ""))


def _who(w):
    return f"{w['exact']:.1f} {w['writer']}"


def format_source(head, source, results, writers):
    """One source's summaries as a fixed-width table, then its most common errors."""
    cols = (f"{'scenario':<9} {'exact % ± sd':>14} {'target':>7} {'':>4} {'digit %':>8} "
            f"{'wrong-count %':>14} {'merge/split %':>14} {'regrouped %':>12} {'n':>6} "
            f"{'ms/num':>7}  "
            f"worst writer / 10th percentile")
    lines = [_title(head, source, writers), cols, "-" * len(cols)]
    for name, r in results.items():
        lines.append(f"{name:<9} {r['exact']:>7.2f} ± {r['exact_spread']:<4.2f} "
                     f"{r['target']:>7.1f} {'ok' if r['met'] else 'LOW':>4} "
                     f"{r['digit_accuracy']:>8.2f} {r['wrong_count']:>14.2f} "
                     f"{r['merges']:>6.2f} / {r['splits']:<5.2f} "
                     f"{r.get('regrouped', 0.0):>12.2f} {r['n']:>6} "
                     f"{r['ms_per_number']:>7.1f}  {_who(r['worst_writer'])} / "
                     f"{_who(r['p10_writer'])}")
    lines.append("top errors over all seeds (true→read, _ = no digit), e.g. misread numbers:")
    for name, r in results.items():
        errs = ", ".join(f"{e} ×{c}" for e, c in r["errors"].items()) or "none"
        nums = ", ".join(e + (f" ×{c}" if c > 1 else "") for e, c in r["misread"].items())
        refused = f"   {r['refused']} refused as too complex" if r.get("refused") else ""
        lines.append(f"  {name:<9} {errs}" + (f"   e.g. {nums}" if nums else "") + refused)
    for name, r in results.items():
        j = r.get("joined")
        if j and j["joined"]["numbers"]:
            lines.append(f"  {name:<9} neighbours in one stroke: {j['joined']['numbers']} numbers, "
                         f"{j['joined']['exact']:.1f}% exact; the other {j['apart']['numbers']}: "
                         f"{j['apart']['exact']:.1f}%")
    return "\n".join(lines)


def format_report(head, report, writers):
    """Every source's table, one after the other."""
    return "\n\n".join(format_source(head, src, results, writers[src])
                       for src, results in report.items())


def format_sweep(head, sweep, writers):
    """Per source, one row per setting: exact % mean ± spread in each scenario."""
    blocks = []
    for src in sweep[0][1]:
        names = list(sweep[0][1][src])
        width = max(len("setting"), *(len(label) for label, _ in sweep))
        cols = f"{'setting':<{width}} " + " ".join(f"{n:>13}" for n in names)
        lines = ["exact % mean ± sd over seeds: " + _title(head, src, writers[src]),
                 cols, "-" * len(cols)]
        for label, report in sweep:
            cells = " ".join(f"{r['exact']:>7.2f} ± {r['exact_spread']:<4.2f}"
                             for r in report[src].values())
            lines.append(f"{label:<{width}} {cells}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)

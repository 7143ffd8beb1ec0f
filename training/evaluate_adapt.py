"""``inkdigits evaluate-adapt``: how much a writer's corrections help, writer by writer.

Protocol, for each writer: their digits are split in two by the order they were written
(the first half of each digit's samples teaches, the second half tests; no sample is in
both). Teaching numbers are composed from the first half, test numbers from the second,
in the ``clean`` and ``tight`` layouts of ``training.compose``. A simulated user writes
the teaching numbers in turn, reading each with their profile so far, and corrects every
misread one through ``NumberRecognizer.learn`` until ``--corrections`` corrections are
made. Then the test numbers are read without the profile and with the profile as it was
after 0, 1, 2, 5, 10 corrections (the curve; its last point is the final profile). Each
test number still misread with the final profile is given a cause (``cause``): its ink cut
into other digits, a shape of a digit the writer never taught, two of their digits alike,
or a reading the samples disagree with.

Writers: those of ``--split`` (``dev`` by default; ``test`` only to report) in
``training.splits``, of pendigits and UNIPEN (``--source``), each with at least two
samples of every digit (so that both halves hold each); ``--writers`` names some.
A writer that trained the model is refused. Accuracy is number exact-match, %.
"""
import dataclasses
import json
import math
import sys
import time

import numpy as np

from training.compose import SOURCES, compose, load_digits
from training.splits import select, unit, writer_id

LAYOUTS = ("clean", "tight")
CURVE = (0, 1, 2, 5, 10)
# The targets, with the profile after at most 10 corrections.
TARGETS = {"clean": 97.0, "tight": 94.0}
WORST_GAIN = 10.0        # mean gain (points) on the 10% worst writers
NO_WORSE = 0.5           # with a profile >= without - this, on every writer


def split_by_order(digits):
    """(teaching, test) banks ``{label: [PenDigit]}`` of one writer: for each digit, the
    first half of its samples (in the order written) and the rest."""
    by_label = {}
    for d in digits:
        by_label.setdefault(d.label, []).append(d)
    teach = {lab: ds[:len(ds) // 2] for lab, ds in sorted(by_label.items()) if len(ds) >= 2}
    test = {lab: ds[len(ds) // 2:] for lab, ds in sorted(by_label.items()) if len(ds) >= 2}
    return teach, test


def numbers(bank, writer, count, seed, layouts=LAYOUTS):
    """``count`` numbers of each layout written by ``writer`` from ``bank`` ({label: [...]}),
    as ``{layout: [Composed]}``; a teaching list interleaves the layouts."""
    out = {}
    for k, layout in enumerate(layouts):
        rng = np.random.default_rng([seed, int(unit(writer_id(writer)) * 2 ** 32), k])
        out[layout] = [compose({writer: bank}, layout, rng) for _ in range(count)]
    return out


def teach(rec, profile_cls, samples, max_corrections, curve=CURVE, refused=None,
          confirmations=0, aligned=None):
    """Write ``samples`` in turn, correcting misread ones; returns (snapshots {k: bytes}
    for k in ``curve`` up to the corrections made, corrections made, numbers written).
    A correction ``learn`` refuses (``InvalidLabel``: no grouping it searches reads the
    text) teaches nothing and is not counted; its text is appended to ``refused``.
    The first ``confirmations`` numbers read right are learnt too (the user saves them
    as right: the page's Save with the number read); they are not corrections.
    For each correction learnt, ``aligned`` (a list, if given) gets ``alignment_errors``."""
    from recognizer import InvalidLabel

    profile = profile_cls()
    snapshots = {0: profile.to_bytes()}
    made, written, confirmed = 0, 0, 0
    for s in samples:
        if made >= max_corrections:
            break
        written += 1
        right = rec.recognize(s.strokes, profile=profile).text == s.text
        if right and confirmed < confirmations:
            try:
                rec.learn(profile, s.strokes, s.text)
                confirmed += 1
            except InvalidLabel:
                pass
        if not right:
            try:
                learnt = rec.learn(profile, s.strokes, s.text)
            except InvalidLabel:
                if refused is not None:
                    refused.append(s.text)
                continue
            if aligned is not None:
                aligned.append(alignment_errors(s, learnt))
            made += 1
            if made in curve:
                snapshots[made] = profile.to_bytes()
    snapshots[made] = profile.to_bytes()
    return snapshots, made, written


def alignment_errors(sample, learnt):
    """(whether a stroke of the composed ``sample`` is two digits' (neighbours written in
    one stroke), its digits ``learnt`` on other strokes than the writer drew them with,
    its digits): how often a correction teaches the wrong ink."""
    drawn = [sorted(set(d)) for d in sample.digit_strokes]
    shared = sum(map(len, drawn)) > len({i for d in drawn for i in d})
    wrong = sum(d != got.strokes for d, got in zip(drawn, learnt.digits))
    return shared, wrong, len(drawn)


def accuracy(rec, samples, profile=None, misread=None):
    """Exact-match % of ``samples`` read with ``profile``; each misread one is appended to
    ``misread`` (if given) as (sample, reading)."""
    right = 0
    for s in samples:
        reading = rec.recognize(s.strokes, profile=profile)
        right += reading.text == s.text
        if reading.text != s.text and misread is not None:
            misread.append((s, reading))
    return 100.0 * right / max(len(samples), 1)


def cause(rec, profile, sample, reading):
    """Why a number is still misread with ``profile``: "grouping" (its ink was not cut into
    the written digits), or for the first digit read wrong, with its crop's similarity to
    the writer's samples (``recognizer.adapt.similarities``): "untaught" (no sample of the
    true digit within ``near``: the writer never showed this shape of it), "alike" (their
    samples of the digit read are about as near, within ``margin``: two of their digits
    look the same), else "outvoted" (the samples point to the true digit, and the reading
    still differs)."""
    from recognizer.adapt import similarities

    truth = [sorted(set(d)) for d in sample.digit_strokes]
    if truth != [sorted(set(d.strokes)) for d in reading.digits]:
        return "grouping"
    k = next(i for i, (t, d) in enumerate(zip(sample.text, reading.digits)) if t != str(d.label))
    digit, true = reading.digits[k], int(sample.text[k])
    _, embedding = rec.classifier.embed(digit.crop[None])
    sim = similarities(embedding, profile.samples, rec.adapt)[0]
    if sim[true] < rec.adapt.near:
        return "untaught"
    if sim[digit.label] > sim[true] - rec.adapt.margin:
        return "alike"
    return "outvoted"


CAUSES = ("grouping", "untaught", "alike", "outvoted")


def evaluate_writer(rec, digits, writer, count, seed, max_corrections, confirmations=0):
    """The protocol for one writer: a dict of corrections made, accuracy without and with
    the profile per layout, and the curve {k: {layout: accuracy}}."""
    from recognizer import Profile

    teach_bank, test_bank = split_by_order(digits)
    lessons = numbers(teach_bank, writer, 3 * count, seed)
    interleaved = [s for pair in zip(*lessons.values()) for s in pair]
    start = time.perf_counter()
    refused, aligned = [], []
    snapshots, made, written = teach(rec, Profile, interleaved, max_corrections,
                                     refused=refused, confirmations=confirmations,
                                     aligned=aligned)
    tests = numbers(test_bank, writer, count, seed + 1)
    read = {}                       # accuracy per snapshot, each read once
    misread = {}                    # (sample, reading) misread per snapshot

    def with_profile(k):
        have = max(j for j in snapshots if j <= k)   # fewer corrections were needed
        if have not in read:
            profile = Profile.from_bytes(snapshots[have])
            misread[have] = []
            read[have] = {lay: accuracy(rec, tests[lay], profile, misread[have])
                          for lay in LAYOUTS}
        return read[have]

    curve = {k: with_profile(k) for k in CURVE}
    final = with_profile(made)
    profile = Profile.from_bytes(snapshots[made])
    left = dict.fromkeys(CAUSES, 0)
    for sample, reading in misread[made]:
        left[cause(rec, profile, sample, reading)] += 1
    without = {lay: accuracy(rec, tests[lay]) for lay in LAYOUTS}
    return {"writer": writer, "corrections": made, "taught_numbers": written,
            "refused": refused,
            "misaligned": {kind: [sum(w for sh, w, _ in aligned if sh == shared),
                                  sum(n for sh, _, n in aligned if sh == shared)]
                           for kind, shared in (("whole", False), ("shared", True))},
            "without": without, "with": final, "left": left,
            "curve": curve,
            "seconds": time.perf_counter() - start}


def summary(results):
    """Targets met or missed, over all writers evaluated."""
    both = lambda r, key: float(np.mean([r[key][lay] for lay in LAYOUTS]))  # noqa: E731
    worst = sorted(results, key=lambda r: both(r, "without"))
    n_worst = max(1, math.ceil(0.1 * len(results)))
    gain = float(np.mean([both(r, "with") - both(r, "without") for r in worst[:n_worst]]))
    out = {lay: {"min_with": min(r["with"][lay] for r in results), "target": t}
           for lay, t in TARGETS.items()}
    out["worst_writers"] = [r["writer"] for r in worst[:n_worst]]
    out["worst_gain"] = gain
    out["worse_writers"] = [r["writer"] for r in results        # each writer once
                            if any(r["with"][lay] < r["without"][lay] - NO_WORSE
                                   for lay in LAYOUTS)]
    return out


def format_table(results, info):
    """Per writer: corrections, accuracy without/with per layout, the curve; then targets."""
    head = (f"{'writer':>6} {'fixes':>5} {'taught':>6} | " +
            " | ".join(f"{lay + ' w/o':>10} {'with':>6}" for lay in LAYOUTS) + " | curve " +
            " ".join(f"{k:>11}" for k in CURVE))
    lines = [head, "-" * len(head)]
    for r in results:
        cells = " | ".join(f"{r['without'][lay]:>10.1f} {r['with'][lay]:>6.1f}" for lay in LAYOUTS)
        curve = " ".join(f"{r['curve'][k]['clean']:>5.1f}/{r['curve'][k]['tight']:<5.1f}"
                         for k in CURVE)
        lines.append(f"{r['writer']:>6} {r['corrections']:>5} {r['taught_numbers']:>6} | "
                     f"{cells} |       {curve}")
    lines.append("curve: clean/tight exact % after 0, 1, 2, 5, 10 corrections")
    refused = [(r["writer"], t) for r in results for t in r.get("refused", [])]
    if refused:
        lines.append(f"corrections learn refused (no grouping it searched reads the text), "
                     f"not counted: {len(refused)}: "
                     + ", ".join(f"{w} {t!r}" for w, t in refused[:8]))
    aligned = [r["misaligned"] for r in results if "misaligned" in r]
    if aligned:
        wrong = {k: [sum(a[k][i] for a in aligned) for i in (0, 1)] for k in ("whole", "shared")}
        lines.append(f"digits corrections taught on other strokes than drawn: "
                     f"{wrong['whole'][0]} of {wrong['whole'][1]} in numbers of whole strokes, "
                     f"{wrong['shared'][0]} of {wrong['shared'][1]} in numbers with a stroke "
                     f"of two digits")
    left = [r for r in results if "left" in r]
    if left:
        total = {c: sum(r["left"][c] for r in left) for c in CAUSES}
        lines.append("test numbers misread with the profile, by cause (the first wrong digit's): "
                     + ", ".join(f"{c} {n}" for c, n in total.items()))
        lines.append("  grouping: ink not cut into the written digits; untaught: no sample of "
                     "the true digit near its crop; alike: the writer's samples of the digit "
                     "read as near; outvoted: the samples point to the true digit")
        for r in sorted(left, key=lambda r: -sum(r["left"].values()))[:5]:
            lines.append(f"  {r['writer']}: " + ", ".join(f"{c} {r['left'][c]}" for c in CAUSES))
    for lay, t in TARGETS.items():
        got = info[lay]["min_with"]
        lines.append(f"every writer >= {t:.0f}% on {lay} with the profile: "
                     f"{'met' if got >= t else 'NOT met'} (lowest {got:.1f}%)")
    lines.append(f"mean gain on the 10% worst writers ({', '.join(map(str, info['worst_writers']))}"
                 f", clean and tight): {info['worst_gain']:+.1f} points; target >= "
                 f"{WORST_GAIN:.0f}: {'met' if info['worst_gain'] >= WORST_GAIN else 'NOT met'}")
    worse = info["worse_writers"]
    lines.append(f"no writer worse by more than {NO_WORSE} points: "
                 + ("met" if not worse else f"NOT met ({', '.join(map(str, worse))})"))
    return "\n".join(lines)


def parse_writers(text):
    """'26,27,apple:Fern' -> ("pendigits:26", "pendigits:27", "apple:Fern"): writer ids."""
    ids = [w.strip() for w in text.split(",") if w.strip()]
    if not ids:
        raise ValueError(f"--writers takes writer ids separated by commas, got {text!r}")
    return tuple(writer_id(int(w)) if w.isdigit() else w for w in ids)


def eligible(digits):
    """Whether a writer's digits hold at least two samples of every digit 0-9."""
    counts = np.bincount([d.label for d in digits], minlength=10)
    return bool((counts >= 2).all())


def writers_of(args):
    """{writer id: [PenDigit]} to evaluate, and a line saying which and how many were left out."""
    sources = [args.source] if args.source else list(SOURCES)
    mine = {}
    for source in sources:
        for d in select(load_digits(args.data, source), args.split):
            mine.setdefault(writer_id(d.writer), []).append(d)
    if args.writers:
        wanted = parse_writers(args.writers)
        missing = [w for w in wanted if w not in mine]
        if missing:
            raise ValueError(f"no {args.split} writer {missing[0]} in {', '.join(sources)}")
        mine = {w: mine[w] for w in wanted}
    kept = {w: ds for w, ds in mine.items() if eligible(ds)}
    return kept, (f"{args.split} writers of {', '.join(sources)}: {len(kept)} with two samples "
                  f"of every digit ({len(mine) - len(kept)} with fewer left out)")


def segment_config(settings):
    """The ``SegmentConfig`` of ``--set NAME=V`` options (one value each; default: none)."""
    from segmentation import SegmentConfig
    from training.sweep import configs

    if not settings:
        return SegmentConfig()
    many = [name for name, values in settings if len(values) != 1]
    if many:
        raise ValueError(f"evaluate-adapt takes one value per --set, not a sweep ({many[0]})")
    return configs(settings)[0][1]


def main(args):
    """Entry point of ``inkdigits evaluate-adapt``; returns the exit status."""
    from recognizer import ModelError, NumberRecognizer
    from recognizer.adapt import AdaptConfig
    from training.data import DataError
    from training.evaluate_ink import trained_writers_of

    try:
        knobs = [(k, getattr(args, k, None)) for k in ("near", "gain", "k", "margin", "vouch",
                                                  "untaught", "junk_rival",
                                                  "habit_penalty", "habit_min",
                                                  "path_weight", "path_margin", "path_near",
                                                  "sequence_weight", "regroup_sequence_weight",
                                                  "learn_gap", "regroup", "regroup_reach")]
        for flag in ("learn_junk", "junk_ones", "upright_paths", "guard", "supported",
                     "sequence_mutes"):
            if getattr(args, flag, None) is not None:
                knobs.append((flag, getattr(args, flag) == "yes"))
        config = AdaptConfig(**{k: v for k, v in knobs if v is not None})
        segment = segment_config(getattr(args, "set", None))
        rec = NumberRecognizer(args.model, adapt=config, config=segment,
                               sequence_model=getattr(args, "sequence_model", None))
        mine, who = writers_of(args)
        trained = trained_writers_of(rec)
        taught = sorted(set(mine) & trained) if trained is not None else []
        if taught:
            raise ValueError(f"writer {taught[0]} trained this model: its figures would not "
                             f"measure a stranger ({len(taught)} such writers)")
        if not mine:
            raise ValueError("no writer to evaluate")
        results = [evaluate_writer(rec, ds, w, args.count, args.seed, args.corrections,
                                   getattr(args, "confirmations", 0))
                   for w, ds in mine.items()]
    except (DataError, ModelError, OSError, ValueError) as exc:
        print(f"inkdigits evaluate-adapt: {exc}", file=sys.stderr)
        return 2
    info = summary(results)
    if args.json:
        print(json.dumps({"writers": list(mine), "config": vars(config),
                          "segment": dataclasses.asdict(segment), "seed": args.seed,
                          "count": args.count, "results": results, "summary": info}, indent=1))
    else:
        changed = {f.name: getattr(segment, f.name) for f in dataclasses.fields(segment)
                   if getattr(segment, f.name) != f.default}
        print(f"{who}; {args.count} test numbers per layout and writer, seed {args.seed}, "
              f"at most {args.corrections} corrections"
              + (f" and {args.confirmations} numbers read right saved as right"
                 if getattr(args, "confirmations", 0) else "") + f", {config}"
              + (f", SegmentConfig {changed}" if changed else ""))
        print(format_table(results, info))
    return 0

"""Corrections exported by the web app (``inkdigits samples export``) as digit training data.

Each exported sample is a whole number (``label``, e.g. "170") drawn as ordered strokes.
The recognizer's segmentation splits the drawing into digit groups; a sample is used only
when it finds exactly ``len(label)`` groups, so the k-th group (left to right) gets the
k-th digit of the label. Strokes are kept as ink, to be rendered by the same
normalisation as inference (``recognizer.normalize``).
"""
import json
from pathlib import Path

from segmentation import InkLimits, InvalidInk, validate_ink

SAMPLES_FILE = "samples.jsonl"
_NO_LIMITS = InkLimits(max_strokes=10**6, max_points=10**8)


def read_samples(directory):
    """The exported samples in ``directory`` as dicts (``label``, ``strokes``, ...), file order."""
    path = Path(directory) / SAMPLES_FILE
    samples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                samples.append(json.loads(line))
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e})") from None
    return samples


def sample_digits(sample, recognizer):
    """One sample -> [(strokes, digit)], each strokes a list of (N, 3) arrays; [] if unusable.

    Unusable: a label that is not all digits, invalid ink, or a group count that differs
    from the label's length (the segmentation cannot be matched to the label).
    """
    label = sample.get("label")
    if not isinstance(label, str) or not label.isascii() or not label.isdigit():
        return []
    try:
        ink = validate_ink(sample.get("strokes"), _NO_LIMITS)
        digits = recognizer.recognize(ink).digits  # ink over its limits: InvalidInk too
    except InvalidInk:
        return []
    if len(digits) != len(label):
        return []
    return [([ink[i] for i in d.strokes], int(ch)) for d, ch in zip(digits, label)]


def load_extra_ink(directories, recognizer=None, per_profile=None, with_counts=False):
    """Digit examples from one or more export directories: a list of (strokes, digit).

    ``recognizer`` is a ``recognizer.NumberRecognizer`` whose segmentation splits the
    numbers (default: the shipped model's); samples it cannot match to their label are
    skipped. ``per_profile`` caps the digits one profile (the export's ``profile_id``;
    samples without one count as one profile) adds, oldest first: corrections are
    untrusted, and a flood of wrong labels from one browser must not outweigh everyone
    else. ``with_counts`` also returns {"samples", "digits", "capped", "unusable"}.
    """
    if isinstance(directories, (str, Path)):
        directories = [directories]
    if recognizer is None:
        from recognizer import NumberRecognizer

        recognizer = NumberRecognizer.load(limits=_NO_LIMITS)
    examples, per = [], {}
    counts = {"samples": 0, "digits": 0, "capped": 0, "unusable": 0}
    for directory in directories:
        for sample in read_samples(directory):
            counts["samples"] += 1
            who = sample.get("profile_id")
            who = who if isinstance(who, str) else None
            room = None if per_profile is None else max(0, per_profile - per.get(who, 0))
            if room == 0:
                counts["capped"] += 1
                continue
            digits = sample_digits(sample, recognizer)
            if not digits:
                counts["unusable"] += 1
            elif room is not None and len(digits) > room:
                counts["capped"] += 1
                continue
            per[who] = per.get(who, 0) + len(digits)
            examples.extend(digits)
    counts["digits"] = len(examples)
    return (examples, counts) if with_counts else examples

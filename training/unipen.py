"""Reader for the UNIPEN 1a pen digits (``unipen/unipen-1a-digits.jsonl.gz``) as canvas ink.

The file holds one JSON object a line: ``label``, ``writer`` (unique across the file),
``contributor`` (the institution), ``device`` (the tablet), ``points_per_second`` (None
where the tablet declares none) and ``strokes`` in millimetres with y growing UP, each
digit's box starting at (0, 0). Each digit becomes a ``PenDigit`` like pendigits' own:

* y is flipped (canvas y grows down) and the box put at (0, 0) again;
* it is scaled so that its writer's median digit height is ``PEN_DIGIT_HEIGHT``, the
  median height of the pendigits digits in their tablet units, so that code written for
  pendigits ink (the composer, the crop and pair makers of ``pen_data``) sees the same
  scale. Per writer, not per tablet: Apple's "millimetres" are nominal screen pixels and
  writers filled form boxes of different sizes; a writer's own size differences stay;
* points get times as pendigits' do: one every 1000 / ``points_per_second`` ms
  (``SAMPLE_MS`` where undeclared), a 100 ms pen-up pause between strokes.

Data defects are dropped by geometry alone, relative to the digit's own ink height h
(never by what a model reads); each rule comes from looking at the drawings it drops
(``defect``):

* ``no ink``: under 2 points, or no extent at all: nothing to read;
* ``oversized``: a box side over ``OVERSIZE`` times the writer's median digit height.
  Looked at: every digit above 3x is a tablet glitch (a jump to a far corner, a trace
  along the box edge) or several digits; genuine tall digits (a 4's long stem, a 9's
  tail) stay under 2.6x;
* ``stray stroke``: a stroke no longer than ``STRAY_EXTENT`` h lying at least
  ``STRAY_GAP`` h and twice its own length away from the rest of the ink: a dot or a tick
  of a neighbouring box. No digit has a detached dot; a 5's short bar lies nearer;
* ``several digits``: the ink splits at a horizontal gap of ``SPLIT_GAP`` h into at least
  two parts each at least ``PART_HEIGHT`` h tall and ``PART_WIDTH`` of its height wide:
  "00", "66" in one box. A 4 written as an "L" and a separate stem is kept: its stem is
  a thin line.

A segment that lacks a stroke (a 4 without its stem) cannot be told by geometry from a
writer's one-stroke style, so it is not filtered; nor are the source's "?" marks used.
"""
import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from training.data import DataError, data_dir
from training.pendigits import PEN_UP_MS, SAMPLE_MS, PenDigit

UNIPEN_FILE = "unipen-1a-digits.jsonl.gz"
PEN_DIGIT_HEIGHT = 170.0  # median pendigits digit height in its tablet units (7494 digits)
OVERSIZE = 3.0
STRAY_EXTENT = 0.2
STRAY_GAP = 0.3
SPLIT_GAP = 0.1
PART_HEIGHT = 0.6
PART_WIDTH = 0.3


def load_unipen(path=None, log=None):
    """The UNIPEN digits from ``<dir>/unipen/`` (or a direct path to the file) as
    PenDigits, defects dropped; the counts dropped are printed to ``log`` (a file; None:
    standard error; False: silent)."""
    p = Path(path) if path is not None and Path(path).is_file() else None
    if p is None:
        root = data_dir(path)
        if root is None:
            raise DataError("no data directory: pass --data or set INKDIGITS_DATA")
        p = root / "unipen" / UNIPEN_FILE
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    opener = gzip.open if p.suffix == ".gz" else open
    try:
        with opener(p, "rt", encoding="utf-8") as f:
            records = parse_records(f, p)
    except (OSError, EOFError) as exc:
        raise DataError(f"{p}: unreadable ({exc})") from None
    digits, dropped = digits_from_records(records)
    if log is not None:
        kept = ", ".join(f"{n} {why}" for why, n in sorted(dropped.items())) or "none"
        print(f"unipen: {len(digits)} of {len(records)} digits kept; dropped: {kept}",
              file=log or sys.stderr)
    return digits


def parse_records(lines, name="unipen"):
    """JSON lines -> dicts with ``label`` (int), ``writer``, ``contributor``, ``device``,
    ``points_per_second`` and ``strokes`` as (N, 2) float arrays in mm, y up."""
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            rec = {"label": int(r["label"]), "writer": str(r["writer"]),
                   "contributor": str(r["contributor"]), "device": str(r["device"]),
                   "points_per_second": r.get("points_per_second"),
                   "strokes": [np.asarray(s, np.float64).reshape(-1, 2) for s in r["strokes"]]}
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{name}:{n}: not a UNIPEN digit record ({exc})") from None
        if not 0 <= rec["label"] <= 9:
            raise DataError(f"{name}:{n}: label {rec['label']} is not a digit")
        rec["strokes"] = [s for s in rec["strokes"] if len(s)]
        out.append(rec)
    return out


def digits_from_records(records):
    """(PenDigits of the records without defects, Counter of defects dropped)."""
    heights = defaultdict(list)
    for r in records:
        if r["strokes"]:
            heights[r["writer"]].append(_size(r["strokes"])[1])
    median = {w: float(np.median(h)) for w, h in heights.items()}
    digits, dropped = [], Counter()
    for r in records:
        why = defect(r["strokes"], median.get(r["writer"], 0.0))
        if why:
            dropped[why] += 1
            continue
        scale = PEN_DIGIT_HEIGHT / median[r["writer"]]
        digits.append(PenDigit(to_canvas(r["strokes"], scale, r["points_per_second"]),
                               r["label"], r["writer"], r["contributor"], r["device"]))
    return digits, dropped


def to_canvas(strokes, scale, points_per_second=None):
    """Strokes in mm, y up -> (N, 3) arrays x, y (y down, box at 0, 0) times ``scale``, t ms."""
    step = 1000.0 / points_per_second if points_per_second else SAMPLE_MS
    top = max(float(s[:, 1].max()) for s in strokes)
    left = min(float(s[:, 0].min()) for s in strokes)
    out, clock = [], 0.0
    for s in strokes:
        t = clock + step * np.arange(len(s))
        clock = t[-1] + PEN_UP_MS
        out.append(np.column_stack([(s[:, 0] - left) * scale, (top - s[:, 1]) * scale, t]))
    return tuple(out)


def _size(strokes):
    p = np.concatenate(strokes)
    return float(np.ptp(p[:, 0])), float(np.ptp(p[:, 1]))


def defect(strokes, writer_height):
    """Why these strokes (mm) are not one whole digit, or None (see the module docstring)."""
    if sum(map(len, strokes)) < 2 or max(_size(strokes)) <= 0:
        return "no ink"
    if writer_height > 0 and max(_size(strokes)) > OVERSIZE * writer_height:
        return "oversized"
    if _stray_stroke(strokes):
        return "stray stroke"
    if _several_digits(strokes):
        return "several digits"
    return None


def _stray_stroke(strokes):
    for i, s in enumerate(strokes):
        rest = [r for j, r in enumerate(strokes) if j != i]
        if not rest:
            return False
        rest = np.concatenate(rest)
        h = float(np.ptp(rest[:, 1]))
        length = max(float(np.ptp(s[:, 0])), float(np.ptp(s[:, 1])))
        gap = float(np.sqrt(((s[:, None, :] - rest[None, :, :]) ** 2).sum(-1).min()))
        if h > 0 and length <= STRAY_EXTENT * h and gap >= max(STRAY_GAP * h, 2 * length):
            return True
    return False


def _several_digits(strokes):
    h = _size(strokes)[1]
    parts = []                      # strokes grouped by overlapping x ranges, left to right
    for s in sorted(strokes, key=lambda s: float(s[:, 0].min())):
        if parts and s[:, 0].min() - max(float(p[:, 0].max()) for p in parts[-1]) < SPLIT_GAP * h:
            parts[-1].append(s)
        else:
            parts.append([s])
    big = 0
    for part in parts:
        w, ph = _size(part)
        big += ph >= PART_HEIGHT * h and w >= PART_WIDTH * ph
    return big >= 2

"""Reader for the UCI pendigits pen trajectories (UNIPEN text), as canvas-style ink."""
import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.data import DataError, data_dir

PENDIGITS_FILE = "pendigits-orig-train.unipen.gz"
SAMPLE_MS = 10.0        # the tablet's sampling period: one point every 10 ms
PEN_UP_MS = 100.0       # the pause put between two strokes (the file has no times)


@dataclass(frozen=True)
class PenDigit:
    """One digit: strokes as (N, 3) arrays x, y (y down), t ms; label; writer id (an int
    for pendigits, "institution:name" for UNIPEN); who recorded it, on which tablet."""

    strokes: tuple
    label: int
    writer: object
    contributor: str = "pendigits"
    device: str = "Wacom (pendigits)"


def load_pendigits(path=None):
    """All digits from ``<dir>/pendigits/`` (or a direct path to the .unipen(.gz) file)."""
    p = Path(path) if path is not None and Path(path).is_file() else None
    if p is None:
        root = data_dir(path)
        if root is None:
            raise DataError("no data directory: pass --data or set INKDIGITS_DATA")
        p = root / "pendigits" / PENDIGITS_FILE
        if not p.is_file():
            p = root / PENDIGITS_FILE
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    opener = gzip.open if p.suffix == ".gz" else open
    try:
        with opener(p, "rt") as f:
            return parse_unipen(f)
    except (OSError, EOFError) as exc:
        raise DataError(f"{p}: unreadable ({exc})") from None


def parse_unipen(lines):
    """Parse UNIPEN text lines into PenDigits; the tablet's upward y is flipped to y down."""
    digits, strokes, cur, label, writer, clock = [], [], None, None, None, 0.0

    def finish():
        if label is not None and strokes:
            digits.append(PenDigit(tuple(strokes), label, writer))

    for n, line in enumerate(lines, 1):
        word = line.split()
        if not word:
            continue
        key = word[0]
        if key == ".SEGMENT":
            finish()
            strokes, cur, clock = [], None, 0.0
            label = int(line.rsplit('"', 2)[-2])
        elif key == ".COMMENT" and len(word) >= 3:
            writer = int(word[2])
        elif key == ".PEN_DOWN":
            cur = []
        elif key == ".PEN_UP":
            if cur:
                a = np.array(cur, dtype=np.float64)
                t = clock + SAMPLE_MS * np.arange(len(a))
                clock = t[-1] + PEN_UP_MS
                strokes.append(np.column_stack([a[:, 0], -a[:, 1], t]))
            cur = None
        elif cur is not None and not key.startswith("."):
            try:
                cur.append((float(word[0]), float(word[1])))
            except (ValueError, IndexError):
                raise DataError(f"line {n}: expected 'x y', got {line.strip()!r}") from None
    finish()
    return digits


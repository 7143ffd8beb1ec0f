"""Validation of raw ink (lists or arrays from JSON, a file or a caller) into stroke arrays."""
from dataclasses import dataclass

import numpy as np


class InvalidInk(ValueError):
    """Raised for ink that cannot be read as a drawing; the message names stroke and point."""


@dataclass(frozen=True)
class InkLimits:
    """Upper bounds that keep one request cheap; raise them for offline batch work."""

    max_strokes: int = 1000
    max_points: int = 20_000
    max_abs_coordinate: float = 1e7


def validate_ink(strokes, limits=InkLimits()):
    """Return the drawing as a list of float64 arrays of shape (N, 3): x, y, t.

    ``strokes`` is a sequence of strokes, each a sequence of ``[x, y]`` or ``[x, y, t]``
    points (lists, tuples or numpy arrays). A missing t is filled with 10 ms per point,
    continuing across strokes, so time still increases in pen order. Empty strokes stay,
    as (0, 3) arrays, so indices keep naming the caller's strokes. The caller's arrays are
    never modified.

    Raises
    ------
    InvalidInk
        Not a list of strokes, a point that is not 2 or 3 finite numbers, mixed point
        widths within a stroke, or more strokes/points than ``limits`` allow.
    """
    if isinstance(strokes, (str, bytes, dict)) or not hasattr(strokes, "__len__"):
        raise InvalidInk(f"strokes must be a list of strokes, got {type(strokes).__name__}")
    if len(strokes) > limits.max_strokes:
        raise InvalidInk(f"too many strokes: {len(strokes)} > {limits.max_strokes}")
    out, total, clock = [], 0, 0.0
    for i, stroke in enumerate(strokes):
        arr = _stroke_array(stroke, i)
        total += len(arr)
        if total > limits.max_points:
            raise InvalidInk(f"too many points: more than {limits.max_points} (at stroke {i})")
        if len(arr) == 0:
            out.append(np.zeros((0, 3)))
            continue
        _check_values(arr, i, limits)
        if arr.shape[1] == 2:
            t = clock + 10.0 * np.arange(len(arr))
            arr = np.column_stack([arr, t])
        clock = float(arr[-1, 2]) + 10.0
        out.append(arr)
    return out


def _stroke_array(stroke, i):
    if isinstance(stroke, (str, bytes, dict)) or not hasattr(stroke, "__len__"):
        raise InvalidInk(f"stroke {i} must be a list of points, got {type(stroke).__name__}")
    if len(stroke) == 0:
        return np.zeros((0, 2))
    if not isinstance(stroke, np.ndarray):
        for j, p in enumerate(stroke):
            if isinstance(p, (str, bytes, dict)) or not hasattr(p, "__len__") or len(p) not in (2, 3):
                raise InvalidInk(f"stroke {i}, point {j}: a point is [x, y] or [x, y, t], got {p!r:.60}")
            if any(isinstance(v, (bool, str, bytes)) or v is None for v in p):
                raise InvalidInk(f"stroke {i}, point {j}: coordinates must be numbers, got {p!r:.60}")
    try:
        arr = np.array(stroke, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInk(f"stroke {i}: points must all be [x, y] or all [x, y, t] numbers ({exc})") from None
    if arr.ndim != 2 or arr.shape[1] not in (2, 3):
        raise InvalidInk(f"stroke {i}: expected shape (N, 2) or (N, 3), got {arr.shape}")
    return arr


def _check_values(arr, i, limits):
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise InvalidInk(f"stroke {i}, point {int(np.argmax(bad))}: coordinates must be finite numbers")
    big = (np.abs(arr[:, :2]) > limits.max_abs_coordinate).any(axis=1)
    if big.any():
        raise InvalidInk(f"stroke {i}, point {int(np.argmax(big))}: coordinate beyond "
                         f"±{limits.max_abs_coordinate:g}")

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
    points (lists, tuples or numpy arrays of real numbers). A missing t is filled with
    10 ms per point, continuing across strokes, so time still increases in pen order.
    Empty strokes stay, as (0, 3) arrays, so indices keep naming the caller's strokes.
    The caller's arrays are never modified.

    Nothing is converted before its shape and type are known: a drawing is exactly three
    levels deep (strokes, points, numbers), so deeper nesting is refused where it starts,
    and a number is an int or float (or a numpy integer or float), never a bool, string,
    complex, date or an object whose conversion might do anything.

    Raises
    ------
    InvalidInk
        Not a list of strokes, a point that is not 2 or 3 finite real numbers, mixed point
        widths within a stroke, numpy arrays of other dtypes or masked arrays, or more
        strokes/points than ``limits`` allow. The message names the stroke and point.
    """
    n = _length(strokes, "strokes must be a list of strokes")
    if n > limits.max_strokes:
        raise InvalidInk(f"too many strokes: {n} > {limits.max_strokes}")
    out, total, clock = [], 0, 0.0
    for i in range(n):
        stroke = strokes[i]
        m = _length(stroke, f"stroke {i} must be a list of points")
        total += m
        if total > limits.max_points:
            raise InvalidInk(f"too many points: more than {limits.max_points} (at stroke {i})")
        if m == 0:
            out.append(np.zeros((0, 3)))
            continue
        arr = _stroke_array(stroke, i)
        _check_values(arr, i, limits)
        if arr.shape[1] == 2:
            t = clock + 10.0 * np.arange(len(arr))
            arr = np.column_stack([arr, t])
        clock = float(arr[-1, 2]) + 10.0
        out.append(arr)
    return out


_REAL_KINDS = "iuf"  # numpy dtype kinds of real numbers: signed, unsigned, float


def _length(obj, what):
    """len(obj) for a list, tuple or numpy array of at least one dimension, else InvalidInk."""
    if isinstance(obj, np.ndarray):
        _check_array(obj, what)
        if obj.ndim == 0:
            raise InvalidInk(f"{what}, got a 0-d array")
        return len(obj)
    if not isinstance(obj, (list, tuple)):
        raise InvalidInk(f"{what}, got {type(obj).__name__}")
    return len(obj)


def _check_array(arr, what):
    if isinstance(arr, np.ma.MaskedArray):
        raise InvalidInk(f"{what}: masked arrays are not ink (fill or drop the masked points)")
    if arr.dtype.kind not in _REAL_KINDS and arr.dtype != object:
        raise InvalidInk(f"{what}: numbers must be real, got a numpy array of {arr.dtype}")


def _stroke_array(stroke, i):
    """(N, 2 or 3) float64 array of a non-empty stroke, its points checked one by one."""
    if isinstance(stroke, np.ndarray) and stroke.dtype.kind in _REAL_KINDS:
        if stroke.ndim != 2 or stroke.shape[1] not in (2, 3):
            raise InvalidInk(f"stroke {i}: expected shape (N, 2) or (N, 3), got {stroke.shape}")
        return stroke.astype(np.float64)           # a copy: the caller's array is never touched
    head = stroke[0]
    width = len(head) if isinstance(head, (list, tuple)) or \
        (isinstance(head, np.ndarray) and head.ndim == 1) else None
    # Fast path: plain lists of plain numbers of one width, as JSON gives them.
    if width in (2, 3) and all(type(p) in (list, tuple) and len(p) == width and
                               all(type(v) in (int, float) for v in p) for p in stroke):
        try:
            return np.array(stroke, dtype=np.float64)
        except OverflowError:                      # an int beyond float: say which point
            pass
    rows = []
    for j in range(len(stroke)):
        p = stroke[j]
        where = f"stroke {i}, point {j}"
        if isinstance(p, np.ndarray):
            _check_array(p, where)
            if p.ndim != 1:
                raise InvalidInk(f"{where}: a point is [x, y] or [x, y, t], got an array of "
                                 f"shape {p.shape}")
        elif not isinstance(p, (list, tuple)):
            raise InvalidInk(f"{where}: a point is [x, y] or [x, y, t], got {_show(p)}")
        if len(p) not in (2, 3):
            raise InvalidInk(f"{where}: a point is [x, y] or [x, y, t], got {len(p)} values")
        if len(p) != width:
            raise InvalidInk(f"stroke {i}: points must all be [x, y] or all [x, y, t] "
                             f"(point {j} has {len(p)} values, point 0 has {width})")
        rows.append([_number(v, where) for v in p])
    return np.array(rows, dtype=np.float64)


def _number(v, where):
    """A coordinate as a float: ints, floats and numpy reals only."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InvalidInk(f"{where}: coordinates must be numbers, got {_show(v)}")
    try:
        return float(v)
    except OverflowError:
        return float("inf")                        # refused as not finite, with its point
    except Exception as exc:  # a subclass of int or float whose conversion misbehaves
        raise InvalidInk(f"{where}: coordinate cannot be read as a number ({type(exc).__name__})") from None


def _show(v):
    """A short, safe description of a value for an error message."""
    if isinstance(v, (int, float, str, bytes, type(None))) and not isinstance(v, bool) \
            and type(v) in (int, float, str, bytes, type(None)):
        return f"{v!r:.60}"
    return type(v).__name__


def _check_values(arr, i, limits):
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise InvalidInk(f"stroke {i}, point {int(np.argmax(bad))}: coordinates must be finite numbers")
    big = (np.abs(arr[:, :2]) > limits.max_abs_coordinate).any(axis=1)
    if big.any():
        raise InvalidInk(f"stroke {i}, point {int(np.argmax(big))}: coordinate beyond "
                         f"±{limits.max_abs_coordinate:g}")

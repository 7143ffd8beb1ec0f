"""Over-segmentation: the ink split into pieces that are never more than one digit.

A piece is a whole stroke, or part of a stroke cut where one stroke may run through
two digits ("00" without lifting the pen). Tiny specks are set aside: they are no digit.
"""
from dataclasses import dataclass

import numpy as np

SPECK_SIZE = 0.12       # strokes smaller than this share of the drawing's digit height
MAX_CUTS = 8            # cut points tried in one stroke
CORNER_DEG = 75.0       # a turn of the pen this sharp may be where one digit runs into the next


@dataclass(frozen=True)
class Piece:
    """Points ``points`` (M, 3) of stroke ``stroke``, from point ``start`` to ``stop``."""

    stroke: int
    start: int
    stop: int
    points: np.ndarray

    @property
    def bbox(self):
        p = self.points
        return (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max()))


def digit_height(ink):
    """A robust height of one digit in this drawing: median height of the larger strokes."""
    ink = [s for s in ink if len(s)]
    h = np.array([float(np.ptp(s[:, 1])) for s in ink] + [0.0])
    ext = np.array([_extent(s) for s in ink] + [0.0])
    big = h[ext >= 0.5 * ext.max()] if ext.max() > 0 else h
    return float(np.median(big)) if ext.max() > 0 else 0.0


def find_specks(ink, height):
    """Indices of strokes too small to be (part of) a digit: empty strokes, dots, touches."""
    return [i for i, s in enumerate(ink)
            if len(s) == 0 or _extent(s) <= 0 or _extent(s) < SPECK_SIZE * height]


def _extent(stroke):
    return max(float(np.ptp(stroke[:, 0])), float(np.ptp(stroke[:, 1])))


def stroke_pieces(ink, specks=()):
    """One piece per non-speck stroke, in pen order."""
    skip = set(specks)
    return [Piece(i, 0, len(s), s) for i, s in enumerate(ink) if i not in skip]


def cut_points(points, height):
    """Indices where a stroke may pass from one digit to the next, at most MAX_CUTS.

    Turning points of the pen (top and bottom extremes whose excursion is a sizeable
    share of the digit height) and sharp corners: where a pen that writes "00" or a
    ligature "11" goes from one digit into the next.
    """
    n = len(points)
    if n < 6 or height <= 0:
        return []
    xy = points[:, :2]
    cand = set()
    cand.update(_turning_points(xy[:, 1], 0.15 * height))
    cand.update(_corners(xy, 0.08 * height))
    cand = sorted(c for c in cand if 2 <= c <= n - 3)
    # Keep cuts apart by at least a tenth of the path, strongest extremes first.
    arc = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=1))])
    gap = 0.1 * arc[-1]
    kept = []
    for c in cand:
        if not kept or arc[c] - arc[kept[-1]] >= gap:
            kept.append(c)
    if kept and arc[-1] - arc[kept[-1]] < gap:
        kept.pop()
    return kept[:MAX_CUTS]


def _turning_points(v, min_excursion):
    """Indices where the sequence ``v`` turns back after moving at least ``min_excursion``."""
    out, direction, anchor, extreme = [], 0, v[0], 0
    for i in range(1, len(v)):
        if direction >= 0 and v[i] > v[extreme]:
            extreme = i
        elif direction <= 0 and v[i] < v[extreme]:
            extreme = i
        if abs(v[i] - v[extreme]) >= min_excursion and abs(v[extreme] - anchor) >= min_excursion:
            if (v[i] - v[extreme]) * (v[extreme] - anchor) < 0:
                out.append(extreme)
                anchor, direction = v[extreme], (1 if v[i] > v[extreme] else -1)
                extreme = i
        if direction == 0 and abs(v[i] - anchor) >= min_excursion:
            direction = 1 if v[i] > anchor else -1
    return out


def _corners(xy, reach):
    """Indices where the path turns by more than CORNER_DEG degrees within ``reach`` of arc."""
    out = []
    n = len(xy)
    for i in range(1, n - 1):
        a = _point_back(xy, i, reach, -1)
        b = _point_back(xy, i, reach, 1)
        u, w = xy[i] - xy[a], xy[b] - xy[i]
        nu, nw = np.linalg.norm(u), np.linalg.norm(w)
        if nu > 0 and nw > 0 and np.dot(u, w) / (nu * nw) < np.cos(np.deg2rad(CORNER_DEG)):
            out.append(i)
    # A corner spans several points: keep the sharpest of each run.
    runs, keep = [], []
    for i in out:
        if runs and i - runs[-1][-1] <= 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    for r in runs:
        keep.append(r[len(r) // 2])
    return keep


def _point_back(xy, i, reach, step):
    j, d = i, 0.0
    while 0 < j < len(xy) - 1 and d < reach:
        d += float(np.linalg.norm(xy[j + step] - xy[j]))
        j += step
    return j


def split_piece(piece, height):
    """The sub-pieces of ``piece`` between its cut points (sharing the cut point)."""
    cuts = cut_points(piece.points, height)
    if not cuts:
        return [piece]
    bounds = [0] + cuts + [len(piece.points) - 1]
    return [Piece(piece.stroke, piece.start + a, piece.start + b + 1, piece.points[a:b + 1])
            for a, b in zip(bounds[:-1], bounds[1:])]

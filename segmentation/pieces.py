"""Over-segmentation: the ink split into pieces that are never more than one digit.

A piece is a whole stroke, or part of a stroke cut where one stroke may run through
two digits ("00" without lifting the pen). Tiny specks are set aside: they are no digit.
"""
from dataclasses import dataclass

import numpy as np

from segmentation.config import DEFAULT_CONFIG


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


def find_specks(ink, height, config=DEFAULT_CONFIG):
    """Indices of strokes too small to be (part of) a digit: empty strokes, dots, touches."""
    return [i for i, s in enumerate(ink)
            if len(s) == 0 or _extent(s) <= 0 or _extent(s) < config.speck_size * height]


def _extent(stroke):
    return max(float(np.ptp(stroke[:, 0])), float(np.ptp(stroke[:, 1])))


def stroke_pieces(ink, specks=()):
    """One piece per non-speck stroke, in pen order."""
    skip = set(specks)
    return [Piece(i, 0, len(s), s) for i, s in enumerate(ink) if i not in skip]


def cut_points(points, height, config=DEFAULT_CONFIG):
    """Indices where a stroke may pass from one digit to the next, at most ``max_cuts``.

    Turning points of the pen (top and bottom extremes whose excursion is a sizeable
    share of the digit height) and sharp corners: where a pen that writes "00" or a
    ligature "11" goes from one digit into the next.
    """
    n = len(points)
    if n < 6 or height <= 0:
        return []
    xy = points[:, :2]
    cand = set()
    arc = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=1))])
    cand.update(_turning_points(xy[:, 1], config.turn_excursion * height))
    cand.update(_corners(xy, arc, config.corner_reach * height, config.corner_deg))
    cand = sorted(c for c in cand if 2 <= c <= n - 3)
    # Keep cuts apart by at least a tenth of the path, strongest extremes first.
    gap = config.cut_spacing * arc[-1]
    kept = []
    for c in cand:
        if not kept or arc[c] - arc[kept[-1]] >= gap:
            kept.append(c)
    if kept and arc[-1] - arc[kept[-1]] < gap:
        kept.pop()
    return kept[:config.max_cuts]


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


def _corners(xy, arc, reach, corner_deg):
    """Indices where the path turns by more than ``corner_deg`` degrees within ``reach``
    of arc: the direction from the point ``reach`` back along the path to here, against
    the direction from here to the point ``reach`` ahead (the path's ends where it is
    shorter). Vectorised: linear in the stroke's points."""
    n = len(xy)
    i = np.arange(1, n - 1)
    back = np.clip(np.searchsorted(arc, arc[i] - reach, side="right") - 1, 0, i - 1)
    ahead = np.clip(np.searchsorted(arc, arc[i] + reach, side="left"), i + 1, n - 1)
    u, w = xy[i] - xy[back], xy[ahead] - xy[i]
    nu, nw = np.linalg.norm(u, axis=1), np.linalg.norm(w, axis=1)
    ok = (nu > 0) & (nw > 0)
    cos = np.einsum("ij,ij->i", u, w) / np.where(ok, nu * nw, 1.0)
    out = i[ok & (cos < np.cos(np.deg2rad(corner_deg)))].tolist()
    # A corner spans several points: keep the sharpest of each run.
    runs, keep = [], []
    for j in out:
        if runs and j - runs[-1][-1] <= 2:
            runs[-1].append(j)
        else:
            runs.append([j])
    for r in runs:
        keep.append(r[len(r) // 2])
    return keep


def split_piece(piece, height, config=DEFAULT_CONFIG):
    """The sub-pieces of ``piece`` between its cut points (sharing the cut point)."""
    cuts = cut_points(piece.points, height, config)
    if not cuts:
        return [piece]
    bounds = [0] + cuts + [len(piece.points) - 1]
    return [Piece(piece.stroke, piece.start + a, piece.start + b + 1, piece.points[a:b + 1])
            for a, b in zip(bounds[:-1], bounds[1:])]

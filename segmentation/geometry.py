"""Geometric evidence that some pieces of ink form one digit, in log-probability units."""
import numpy as np

MAX_WIDTH = 1.3         # digits are rarely wider than this many times their height
MAX_GAP = 0.45          # pieces of one digit are never further apart than this (x height)
OVERLAP_FREE = 0.4      # share of the smaller box two digits may overlap without penalty


def boxes_of(parts):
    """(n, 4) array of x0, y0, x1, y1 for a list of (M, 2+) point arrays."""
    return np.array([[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in parts])


def _link_gap(boxes):
    """The largest gap single-linkage needs to join all boxes (0 when they all touch)."""
    n = len(boxes)
    if n < 2:
        return 0.0
    gx = np.maximum(0, np.maximum(boxes[:, None, 0], boxes[None, :, 0]) -
                    np.minimum(boxes[:, None, 2], boxes[None, :, 2]))
    gy = np.maximum(0, np.maximum(boxes[:, None, 1], boxes[None, :, 1]) -
                    np.minimum(boxes[:, None, 3], boxes[None, :, 3]))
    d = np.hypot(gx, gy)
    if n == 2:
        return float(d[0, 1])
    joined, worst = {0}, 0.0
    while len(joined) < n:  # Prim's algorithm on the box-gap graph
        rest = [j for j in range(n) if j not in joined]
        best = min(((d[i, j], j) for i in joined for j in rest))
        worst = max(worst, best[0])
        joined.add(best[1])
    return float(worst)


def _scale(boxes, height):
    h = float(boxes[:, 3].max() - boxes[:, 1].min())
    return max(h, 0.5 * height, 1e-9)


def plausible(b, height):
    """Whether pieces with boxes ``b`` (n, 4) could be one digit at all: close together
    and not much wider than a digit. Cheap; prunes candidate groups before the CNN."""
    s = _scale(b, height)
    width = float(b[:, 2].max() - b[:, 0].min())
    return _link_gap(b) <= MAX_GAP * s and width <= 2 * MAX_WIDTH * s


def group_prior(b, height):
    """Log-domain penalty (<= 0) for pieces with boxes ``b`` (n, 4) that are too wide
    together or far apart."""
    s = _scale(b, height)
    width = float(b[:, 2].max() - b[:, 0].min())
    penalty = -3.0 * max(0.0, width / s - MAX_WIDTH)
    penalty -= 4.0 * max(0.0, _link_gap(b) / s - 0.1)
    return penalty


def overlap_penalty(a, b, weight):
    """Log-domain penalty (<= 0) for two digits whose boxes (x0, y0, x1, y1) overlap much:
    ink inside another digit's box (the slash of a slashed zero, the stem of a 4) is part
    of it. Slanted neighbours overlap a little and pay nothing."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    small = min(max(a[2] - a[0], 1e-9) * max(a[3] - a[1], 1e-9),
                max(b[2] - b[0], 1e-9) * max(b[3] - b[1], 1e-9))
    return -weight * max(0.0, min(1.0, ix * iy / small) - OVERLAP_FREE)

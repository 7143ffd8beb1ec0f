"""The pen's path as a digit's second description: what the 28x28 crop loses.

A crop keeps the ink's shape, not the order it was drawn in. A 9 whose loop is flat is a
7 in the crop, but its pen went round the loop first; a flagged 1 set upright looks like
a 7, but its pen climbed to the top. The pen-path reader (a small 1-D CNN) reads these
features; the recognizer asks it about the digits the image CNN is unsure of. Training
(``inkdigits train-pen-path``) and inference share this function.
"""
import numpy as np

PATH_POINTS = 32        # points along the pen's path, equally spaced
PATH_FEATURES = 5       # x, y, pen down, direction of travel (cos, sin)


def path_features(strokes, n=PATH_POINTS):
    """(n, 5) float32 features of a digit's strokes in pen order.

    The strokes are joined into one path (the pen's jump from one stroke to the next
    counts as path, with pen down 0) and resampled to ``n`` points equally spaced along
    it, so the sampling rate of the device does not matter. x and y are centred on the
    ink's box and scaled by its longer side (y down), like the crop, keeping the aspect.
    Strokes are (N, 2) or (N, 3) arrays in any unit; t is ignored.
    """
    parts = [np.asarray(s, np.float64)[:, :2] for s in strokes if len(s)]
    if not parts:
        raise ValueError("no ink: a digit needs at least one point")
    points = np.concatenate(parts)
    lo, hi = points.min(axis=0), points.max(axis=0)
    points = (points - (lo + hi) / 2) / max(float((hi - lo).max()), 1e-9)
    pen = np.ones(len(points) - 1)              # pen state of each segment
    pen[np.cumsum([len(p) for p in parts[:-1]], dtype=int) - 1] = 0.0
    arc = np.r_[0.0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    if arc[-1] <= 0:                            # a dot: all points at its centre
        out = np.zeros((n, PATH_FEATURES), np.float32)
        out[:, 2] = 1.0
        return out
    u = np.linspace(0.0, arc[-1], n)
    x, y = np.interp(u, arc, points[:, 0]), np.interp(u, arc, points[:, 1])
    down = pen[np.clip(np.searchsorted(arc, u, side="right") - 1, 0, len(pen) - 1)]
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy) + 1e-9
    return np.column_stack([x, y, down, dx / norm, dy / norm]).astype(np.float32)


def path_features_many(groups, n=PATH_POINTS):
    """(len(groups), n, 5) float32: ``path_features`` of each group of strokes."""
    out = np.zeros((len(groups), n, PATH_FEATURES), np.float32)
    for i, g in enumerate(groups):
        out[i] = path_features(g, n)
    return out

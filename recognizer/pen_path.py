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


def path_shape(paths):
    """(n, P, 2) float64: the x, y of ``paths`` (n, P, >= 2; ``path_features``) centred on
    their mean, with the writing's shear taken out (x less its least-squares slope on y
    times y). A shear of the whole drawing (slanted writing, or the same writing set
    upright) changes the slope, not what is left, so a writer's digit compares with their
    samples however the search viewed it (``recognizer.adapt.path_similarities``)."""
    xy = np.asarray(paths, np.float64)[:, :, :2]
    x = xy[:, :, 0] - xy[:, :, 0].mean(axis=1, keepdims=True)
    y = xy[:, :, 1] - xy[:, :, 1].mean(axis=1, keepdims=True)
    slope = (x * y).sum(axis=1, keepdims=True) / np.maximum((y * y).sum(axis=1, keepdims=True),
                                                            1e-12)
    return np.stack([x - slope * y, y], axis=2)


def path_descriptor(shape):
    """(n, 4 P) float32 rows of length 1 (0 for a dot) from ``path_shape`` output (n, P,
    2): its points and its directions of travel, each part of length 1/sqrt(2). Their dot
    product compares two paths: where the pen went, and which way (a flagged 1 climbs
    its flag, a 7 runs along its bar; their points alone lie close)."""
    xy = np.asarray(shape, np.float64)
    way = np.gradient(xy, axis=1)
    way /= np.maximum(np.linalg.norm(way, axis=2, keepdims=True), 1e-9)
    parts = []
    size = xy.shape[1] * xy.shape[2]
    for part in (xy.reshape(len(xy), size), way.reshape(len(xy), size)):
        norm = np.linalg.norm(part, axis=1, keepdims=True)
        parts.append(part / np.where(norm > 0, norm, np.inf))
    out = np.concatenate(parts, axis=1) / np.sqrt(2)
    out[np.linalg.norm(parts[0], axis=1) == 0] = 0.0       # a dot: no path to compare
    return out.astype(np.float32)

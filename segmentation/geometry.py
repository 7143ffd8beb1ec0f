"""Geometric evidence that some pieces of ink form one digit, in log-probability units.

Candidate groups are rows of piece indices into the drawing's piece boxes, all judged
at once with numpy: the search asks about a hundred groups per drawing.
"""
import numpy as np

MAX_WIDTH = 1.3         # digits are rarely wider than this many times their height
WIDEST = 2.0            # ... and never wider than this (held-out writers' widest: 1.6)
MAX_GAP = 0.45          # pieces of one digit are never further apart than this (x height)
OVERLAP_FREE = 0.4      # share of a digit's ink that may lie in another's box without penalty


def boxes_of(parts):
    """(n, 4) array of x0, y0, x1, y1 for a list of (M, 2+) point arrays."""
    return np.array([[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in parts])


def slant_of(parts, limit=(-0.6, 1.0)):
    """The writing's slant k (x grows by k per unit of height going up) from its steep
    pen movements; ``upright`` with it makes slanted neighbours' boxes stop overlapping."""
    d = np.concatenate([np.diff(p[:, :2], axis=0) for p in parts if len(p) > 1] or [np.zeros((0, 2))])
    steep = np.abs(d[:, 1]) > np.abs(d[:, 0])
    if not steep.any():
        return 0.0
    dx, dy = d[steep, 0], d[steep, 1]
    return float(np.clip(-np.sum(dx * np.sign(dy)) / np.sum(np.abs(dy)), *limit))


def upright(points, slant):
    """(M, 2) points sheared so that writing of ``slant`` stands upright (y down)."""
    return np.column_stack([points[:, 0] + slant * points[:, 1], points[:, 1]])


def box_gaps(boxes):
    """(n, n) distances between boxes (0 where two touch or overlap)."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    gx = np.maximum(0, np.maximum(b[:, None, 0], b[None, :, 0]) - np.minimum(b[:, None, 2], b[None, :, 2]))
    gy = np.maximum(0, np.maximum(b[:, None, 1], b[None, :, 1]) - np.minimum(b[:, None, 3], b[None, :, 3]))
    return np.hypot(gx, gy)


def joint_boxes(boxes, groups):
    """(m, 4) box around each group's pieces; ``groups`` is (m, k) indices into ``boxes``."""
    b = np.asarray(boxes)[groups]                        # (m, k, 4)
    return np.concatenate([b[:, :, :2].min(axis=1), b[:, :, 2:].max(axis=1)], axis=1)


def group_shapes(boxes, gaps, groups, height):
    """Joint boxes (m, 4), widths (m,) and linking gaps (m,) of m groups of pieces.

    ``groups`` is (m, k) piece indices (a group of fewer pieces repeats one of them);
    width and gap are relative to the group's height, at least half the digit height.
    The linking gap is the largest gap single-linkage needs to join the group's boxes:
    the minimax path distance, by Floyd-Warshall over the k pieces.
    """
    joint = joint_boxes(boxes, groups)
    s = np.maximum(np.maximum(joint[:, 3] - joint[:, 1], 0.5 * height), 1e-9)
    d = gaps[groups[:, :, None], groups[:, None, :]]     # (m, k, k)
    for k in range(groups.shape[1]):
        d = np.minimum(d, np.maximum(d[:, :, k, None], d[:, None, k, :]))
    return joint, (joint[:, 2] - joint[:, 0]) / s, d.max(axis=(1, 2)) / s


def plausible(width, gap):
    """Whether pieces of this relative ``width`` and ``gap`` (``group_shapes``) could be
    one digit at all: close together and not much wider than a digit. Prunes before the
    CNN; works on arrays."""
    return (gap <= MAX_GAP) & (width <= WIDEST)


def group_prior(width, gap):
    """Log-domain penalty (<= 0) for pieces too wide together or far apart; on arrays."""
    return -3.0 * np.maximum(0.0, width - MAX_WIDTH) - 4.0 * np.maximum(0.0, gap - 0.1)


def overlap_penalties(parts, groups, boxes, weight):
    """(m, m) log-domain penalties (<= 0) for pairs of digits with much ink in each other's
    box: ink inside another digit's box (the slash of a slashed zero, the stem of a 4) is
    part of it, while slanted neighbours and the bar of a crossed 7 reach over only a
    little. ``parts`` are the pieces' (M, 2) points, ``groups`` (m, k) piece indices,
    ``boxes`` (m, 4) the groups' boxes, all in one (upright) frame. 0 on the diagonal."""
    sizes = np.array([len(p) for p in parts])
    pts = np.concatenate(parts)
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    inside = ((pts[:, None, 0] >= b[None, :, 0]) & (pts[:, None, 0] <= b[None, :, 2]) &
              (pts[:, None, 1] >= b[None, :, 1]) & (pts[:, None, 1] <= b[None, :, 3]))
    per_piece = np.add.reduceat(inside.astype(np.float64), np.r_[0, np.cumsum(sizes)[:-1]])
    member = np.zeros((len(groups), len(parts)))
    member[np.arange(len(groups))[:, None], groups] = 1.0
    share = (member @ per_piece) / np.maximum(member @ sizes, 1)[:, None]
    share = np.maximum(share, share.T)
    out = -weight * np.maximum(0.0, share - OVERLAP_FREE)
    np.fill_diagonal(out, 0.0)
    return out

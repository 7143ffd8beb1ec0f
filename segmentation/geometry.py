"""Geometric evidence that some pieces of ink form one digit, in log-probability units.

Candidate groups are rows of piece indices into the drawing's piece boxes, all judged
at once with numpy: the search asks about a hundred groups per drawing.
"""
import numpy as np
from segmentation.budget import TooComplex
from segmentation.config import DEFAULT_CONFIG


def boxes_of(parts):
    """(n, 4) array of x0, y0, x1, y1 for a list of n non-empty (M, 2+) point arrays."""
    if not len(parts):
        return np.zeros((0, 4))
    pts = np.concatenate([p[:, :2] for p in parts])
    starts = np.cumsum([0] + [len(p) for p in parts[:-1]])
    return np.concatenate([np.minimum.reduceat(pts, starts), np.maximum.reduceat(pts, starts)],
                          axis=1)


def slant_of(parts, limit=DEFAULT_CONFIG.slant_range):
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
    return _gap(b[:, None], b[None, :])


def _gap(a, b):
    """Distances between boxes ``a`` (..., 4) and ``b`` (..., 4), broadcast."""
    gx = np.maximum(0, np.maximum(a[..., 0], b[..., 0]) - np.minimum(a[..., 2], b[..., 2]))
    gy = np.maximum(0, np.maximum(a[..., 1], b[..., 1]) - np.minimum(a[..., 3], b[..., 3]))
    return np.hypot(gx, gy)


def joint_boxes(boxes, groups):
    """(m, 4) box around each group's pieces; ``groups`` is (m, k) indices into ``boxes``."""
    b = np.asarray(boxes)[groups]                        # (m, k, 4)
    return np.concatenate([b[:, :, :2].min(axis=1), b[:, :, 2:].max(axis=1)], axis=1)


def group_shapes(boxes, groups, height):
    """Joint boxes (m, 4), widths (m,) and linking gaps (m,) of m groups of pieces.

    ``groups`` is (m, k) piece indices into ``boxes`` (a group of fewer pieces repeats
    one of them); only the gaps inside each group are computed, O(m k^2);
    width and gap are relative to the group's height, at least half the digit height.
    The linking gap is the largest gap single-linkage needs to join the group's boxes:
    the minimax path distance, by Floyd-Warshall over the k pieces.
    """
    joint = joint_boxes(boxes, groups)
    s = np.maximum(np.maximum(joint[:, 3] - joint[:, 1], 0.5 * height), 1e-9)
    b = np.asarray(boxes, dtype=np.float64)[groups]      # (m, k, 4)
    d = _gap(b[:, :, None], b[:, None, :])               # (m, k, k)
    for k in range(groups.shape[1]):
        d = np.minimum(d, np.maximum(d[:, :, k, None], d[:, None, k, :]))
    return joint, (joint[:, 2] - joint[:, 0]) / s, d.max(axis=(1, 2)) / s


def plausible(width, gap, config=DEFAULT_CONFIG):
    """Whether pieces of this relative ``width`` and ``gap`` (``group_shapes``) could be
    one digit at all: close together and not much wider than a digit. Prunes before the
    CNN; works on arrays."""
    return (gap <= config.max_gap) & (width <= config.widest)


def group_prior(width, gap, config=DEFAULT_CONFIG):
    """Log-domain penalty (<= 0) for pieces too wide together or far apart; on arrays."""
    return (-config.wide_penalty * np.maximum(0.0, width - config.max_width)
            - config.gap_penalty * np.maximum(0.0, gap - config.free_gap))


def overlap_penalties(parts, groups, boxes, weight, free=DEFAULT_CONFIG.overlap_free,
                      max_pairs=None):
    """Log-domain penalties (< 0) for pairs of digits with much ink in each other's box,
    as sparse ``(rows, cols, values)`` arrays (symmetric, nothing on the diagonal): ink
    inside another digit's box (the slash of a slashed zero, the stem of a 4) is part of
    it, while slanted neighbours and the bar of a crossed 7 reach over only a little.
    ``parts`` are the pieces' (M, 2) points, ``groups`` (m, k) piece indices (a smaller
    group repeats one), ``boxes`` (m, 4) the groups' boxes, one (upright) frame.

    Points are counted only for the (piece, box) pairs whose boxes meet, so the work
    grows with those pairs, not with points x groups; more than ``max_pairs`` (group,
    piece, box) meetings raise ``TooComplex`` before any point is counted."""
    m = len(groups)
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    sizes = np.array([len(p) for p in parts], dtype=np.float64)
    # 1. Membership (group, piece) without the padding; each group's ink size.
    real = np.ones(groups.shape, bool)
    for j in range(1, groups.shape[1]):                  # a repeated index is one member
        real[:, j] = (groups[:, j, None] != groups[:, :j]).all(axis=1)
    mem_g, col = np.nonzero(real)
    mem_p = groups[mem_g, col]
    ink = np.bincount(mem_g, weights=sizes[mem_p], minlength=m)
    # 2. Pieces whose box meets a group's box (a point inside needs that), and through
    #    them the groups holding those pieces: (a, p, box) meetings.
    p_idx, b_idx = np.nonzero(_meets(boxes_of(parts), b))
    by_piece = np.argsort(mem_p, kind="stable")
    first = np.searchsorted(mem_p[by_piece], np.arange(len(parts)))
    holders = np.bincount(mem_p, minlength=len(parts))[p_idx]
    if max_pairs is not None and holders.sum() > max_pairs:
        raise TooComplex(f"{int(holders.sum())} meetings of candidate digits' ink (the limit "
                         f"is {max_pairs}): too many strokes drawn over one another")
    pair = np.repeat(np.arange(len(p_idx)), holders)
    a = mem_g[by_piece[first[p_idx][pair] + _ranges(holders)]]
    # 3. Points of each meeting piece inside each box, summed per (group, box) pair.
    counts = _points_inside(parts, sizes, p_idx, b[b_idx])[pair]
    keep = (counts > 0) & (a != b_idx[pair])
    key, total = _sum_by(a[keep] * m + b_idx[pair][keep], counts[keep])
    share = total / ink[key // m]
    # 4. The larger of a pair's two shares, beyond the free share, weighed.
    key, share = _max_by(np.r_[key, (key % m) * m + key // m], np.r_[share, share])
    pen = -weight * np.maximum(0.0, share - free)
    hit = pen < 0
    return key[hit] // m, key[hit] % m, pen[hit]


def _ranges(lengths):
    """0, 1, .., n-1 for each n of ``lengths``, concatenated."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _sum_by(keys, values):
    """Sorted unique ``keys`` and the sum of ``values`` of each."""
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inv, weights=values, minlength=len(uniq))


def _max_by(keys, values):
    """Sorted unique ``keys`` and the largest of ``values`` of each."""
    if len(keys) == 0:
        return keys, values
    order = np.argsort(keys, kind="stable")
    k, v = keys[order], values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(k)) + 1]
    return k[starts], np.maximum.reduceat(v, starts)


def _meets(a, b):
    """(len(a), len(b)) bool: whether box ``a[i]`` touches or overlaps box ``b[j]``."""
    return ((a[:, None, 0] <= b[None, :, 2]) & (a[:, None, 2] >= b[None, :, 0]) &
            (a[:, None, 1] <= b[None, :, 3]) & (a[:, None, 3] >= b[None, :, 1]))


def _points_inside(parts, sizes, p_idx, boxes):
    """For each pair q, how many points of piece ``p_idx[q]`` lie in ``boxes[q]``."""
    if len(p_idx) == 0:
        return np.zeros(0)
    pts = np.concatenate(parts)
    starts = np.r_[0, np.cumsum(sizes[:-1])].astype(np.intp)
    lengths = sizes[p_idx].astype(np.intp)
    pair = np.repeat(np.arange(len(p_idx)), lengths)
    p = pts[starts[p_idx][pair] + _ranges(lengths)]
    bx = boxes[pair]
    hit = ((p[:, 0] >= bx[:, 0]) & (p[:, 0] <= bx[:, 2]) &
           (p[:, 1] >= bx[:, 1]) & (p[:, 1] <= bx[:, 3]))
    return np.bincount(pair, weights=hit, minlength=len(p_idx))


def crossing_pieces(parts, strokes, max_tests=None):
    """(a, b) index arrays, a < b, of the pieces whose ink crosses: pieces of different
    strokes (``strokes[i]``: piece i's stroke) with two segments properly intersecting.

    A stroke crosses another of its own digit in most digits written in two or more
    strokes (the stick of a 4, a 7's bar, the slash of a zero), and hardly ever one of
    its neighbour. Only the segments of each piece that reach into the other's box are
    tested; more than ``max_tests`` segment pairs in all raise ``TooComplex`` first."""
    parts = [np.asarray(p, np.float64)[:, :2] for p in parts]
    n = len(parts)
    if n < 2:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    boxes = boxes_of(parts)
    meet = np.triu(_meets(boxes, boxes), 1) & (np.asarray(strokes)[:, None] !=
                                               np.asarray(strokes)[None, :])
    pairs = []
    for a, b in zip(*np.nonzero(meet)):
        lo = np.maximum(boxes[a, :2], boxes[b, :2])
        hi = np.minimum(boxes[a, 2:], boxes[b, 2:])
        pairs.append((a, b, lo, hi, int(_within(parts[a], lo, hi).sum()) *
                      int(_within(parts[b], lo, hi).sum())))
    tests = sum(t for *_, t in pairs)
    if max_tests is not None and tests > max_tests:
        raise TooComplex(f"{tests} pairs of pen segments to test for crossings (the limit is "
                         f"{max_tests}): too many strokes drawn over one another")
    hits = [(a, b) for a, b, lo, hi, t in pairs
            if t and _any_cross(_segments(parts[a], lo, hi), _segments(parts[b], lo, hi))]
    if not hits:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    a, b = np.array(hits, np.intp).T
    return a, b


def touching_pieces(parts, strokes, reach, max_tests=None):
    """(a, b) index arrays, a < b, of the pieces of different strokes (``strokes[i]``:
    piece i's stroke) where an end of one lies within ``reach`` of the other's ink: a
    stroke that starts or stops on another. The stem of a 9 drawn from its loop, the
    second loop of an 8, a 5's flag on its body: of dev numbers' stroke pairs that do not
    cross, 32-59% of one digit's touch at 0.05 of the digit height, none of two digits' in
    clean and delayed writing, 2.4-2.7% in tight (``python -m training.crossings``).
    Each end is measured only against pieces whose box lies within ``reach`` of it; more
    than ``max_tests`` end-to-segment distances in all raise ``TooComplex`` first."""
    parts = [np.asarray(p, np.float64)[:, :2] for p in parts]
    n = len(parts)
    if n < 2 or not reach > 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    boxes = boxes_of(parts)
    grown = boxes + np.array([-reach, -reach, reach, reach])
    meet = np.triu(_meets(grown, boxes), 1) & (np.asarray(strokes)[:, None] !=
                                               np.asarray(strokes)[None, :])
    pairs = list(zip(*np.nonzero(meet)))
    tests = 2 * sum(len(parts[a]) + len(parts[b]) for a, b in pairs)
    if max_tests is not None and tests > max_tests:
        raise TooComplex(f"{tests} distances to measure between strokes that touch (the "
                         f"limit is {max_tests}): too many strokes drawn over one another")
    hits = [(a, b) for a, b in pairs
            if _ends_near(parts[a], parts[b], reach) or _ends_near(parts[b], parts[a], reach)]
    if not hits:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    a, b = np.array(hits, np.intp).T
    return a, b


def _ends_near(p, q, reach):
    """Whether an end of polyline ``p`` lies within ``reach`` of polyline ``q``."""
    ends = np.stack([p[0], p[-1]])
    if len(q) == 1:
        return bool((np.linalg.norm(ends - q[0], axis=1) <= reach).any())
    a, d = q[:-1], q[1:] - q[:-1]
    length = np.maximum((d ** 2).sum(axis=1), 1e-12)
    for e in ends:
        t = np.clip(((e - a) * d).sum(axis=1) / length, 0.0, 1.0)
        if (np.linalg.norm(a + t[:, None] * d - e, axis=1) <= reach).any():
            return True
    return False


def _within(points, lo, hi):
    """(len(points) - 1,) bool: the segments of a polyline whose box meets ``lo``-``hi``."""
    p, q = points[:-1], points[1:]
    return np.all(np.minimum(p, q) <= hi, axis=1) & np.all(np.maximum(p, q) >= lo, axis=1)


def _segments(points, lo, hi):
    """(s, 2, 2) those segments (``_within``)."""
    keep = _within(points, lo, hi)
    return np.stack([points[:-1][keep], points[1:][keep]], axis=1)


def _any_cross(sa, sb, chunk=65536):
    """Whether any segment of ``sa`` (s, 2, 2) properly crosses any of ``sb`` (t, 2, 2):
    each one's ends lie strictly on opposite sides of the other's line. Tested ``chunk``
    pairs at a time, so memory stays small whatever the ink."""
    q, s = sb[None, :, 0], (sb[:, 1] - sb[:, 0])[None]
    rows = max(1, chunk // max(len(sb), 1))
    for i in range(0, len(sa), rows):
        a = sa[i:i + rows]
        p, r = a[:, None, 0], (a[:, 1] - a[:, 0])[:, None]
        d1, d2 = _cross(r, q - p), _cross(r, q + s - p)
        d3, d4 = _cross(s, p - q), _cross(s, p + r - q)
        if np.any((d1 * d2 < 0) & (d3 * d4 < 0)):
            return True
    return False


def _cross(u, v):
    """The z component of the cross products of 2-vectors ``u`` and ``v`` (broadcast)."""
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def crossing_penalties(groups, a, b, weight):
    """Log-domain penalties (< 0) for pairs of groups (rows of ``groups``, (m, k) piece
    indices, a smaller group repeating one) that hold the two pieces of a crossing
    (``a[i]``, ``b[i]``): ``weight`` for each, as sparse symmetric ``(rows, cols, values)``."""
    if not len(a) or not weight:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)
    rows, cols = [], []
    for i, j in zip(a.tolist(), b.tolist()):
        gi = np.flatnonzero((groups == i).any(axis=1) & ~(groups == j).any(axis=1))
        gj = np.flatnonzero((groups == j).any(axis=1) & ~(groups == i).any(axis=1))
        rows.append(np.repeat(gi, len(gj)))
        cols.append(np.tile(gj, len(gi)))
    r, c = np.concatenate(rows), np.concatenate(cols)
    r, c = np.r_[r, c], np.r_[c, r]
    return r, c, np.full(len(r), -float(weight))


def add_penalties(m, *sparse):
    """Sparse ``(rows, cols, values)`` penalties over m groups, summed where they meet."""
    r = np.concatenate([s[0] for s in sparse]).astype(np.intp)
    c = np.concatenate([s[1] for s in sparse]).astype(np.intp)
    v = np.concatenate([s[2] for s in sparse]).astype(np.float64)
    key, total = _sum_by(r * m + c, v)
    return key // m, key % m, total

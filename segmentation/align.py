"""Forced alignment: the grouping of the ink into digits that reads exactly a given text.

When a writer corrects a reading, the corrected text says *what* was written but not
which ink is which digit, and the reading may have had the wrong number of digits (two
digits merged into one, one split in two). The search here is the segmentation's search
constrained to the text: partitions of the pieces into exactly ``len(text)`` digits,
left to right, each group scored by the probability of *its* digit of the text (not of
the likeliest digit), plus the same geometric evidence. Pieces of a stroke cut at its
turning points are tried when the whole strokes cannot read the text, or read a digit
of it doubtfully ("00" written without lifting the pen).

Like ``segment``, this never imports TensorFlow: the caller passes the scorer.
"""
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from segmentation.geometry import (box_gaps, boxes_of, group_prior, group_shapes, joint_boxes,
                                   overlap_penalties, plausible, slant_of, upright)
from segmentation.pieces import digit_height, find_specks, split_piece, stroke_pieces

NUM_DIGITS = 10


@dataclass(frozen=True)
class AlignConfig:
    """Knobs of the constrained search; the defaults are the segmentation search's own."""

    max_pieces: int = 4          # pieces in one digit
    max_strokes: int = 3         # strokes in one digit
    window: int = 6              # a digit's pieces lie within this many neighbours
    beam: int = 24               # partial partitions kept per step
    keep: int = 2                # of those, kept per set of pieces used and digits read
    overlap_weight: float = 4.0  # two digits may not hold much of each other's ink
    min_cut_height: float = 0.4  # a digit made of cut pieces is at least this tall (x height)
    short_cut_penalty: float = 5.0
    lone_width: float = 1.1      # ink narrower than this many heights is read as drawn
    doubt: float = 0.65          # an aligned digit less likely than this: its strokes are cut


@dataclass
class AlignedDigit:
    """One digit of the text and the ink that reads it."""

    label: int
    strokes: list                # input stroke indices, sorted
    bbox: tuple                  # (x0, y0, x1, y1) in input coordinates
    probabilities: np.ndarray    # the scorer's (11,) class probabilities for this group
    crop: object = None          # the scorer's crop


@dataclass
class Alignment:
    """The digits of the text, left to right, and the search's log-score of that reading."""

    digits: list
    score: float


def force_align(ink, scorer, text, config=AlignConfig()):
    """The best grouping of validated ``ink`` that reads exactly ``text``, or None.

    ``ink`` and ``scorer`` are as for ``segment`` (the scorer maps groups of upright
    (M, 2) point arrays to ``(probs (len(groups), 11), crops)``); ``text`` is a string of
    digits. None when no partition of the ink into ``len(text)`` plausible digits exists.
    """
    if not isinstance(text, str) or not text or not all("0" <= c <= "9" for c in text):
        raise ValueError(f"text must be a non-empty string of digits 0-9, got {text!r:.40}")
    labels = [int(c) for c in text]
    height = digit_height(ink)
    pieces = stroke_pieces(ink, find_specks(ink, height))
    if not pieces:
        return None
    slant = slant_of([p.points for p in pieces])
    if np.ptp(np.concatenate([p.points[:, 0] for p in pieces])) < config.lone_width * height:
        slant = 0.0
    cache = {}
    best = _search(pieces, labels, height, slant, scorer, cache, config)
    if best is None:
        todo = set(range(len(pieces)))
    else:
        todo = {i for d, g in zip(labels, best[1])
                if cache[_key([pieces[j] for j in g])][0][d] < config.doubt for i in g}
    if todo:
        split = [q for i, p in enumerate(pieces)
                 for q in (split_piece(p, height) if i in todo else [p])]
        if len(split) > len(pieces):
            again = _search(split, labels, height, slant, scorer, cache, config)
            if again is not None and (best is None or again[0] > best[0]):
                pieces, best = split, again
    if best is None:
        return None
    return Alignment([_digit(label, [pieces[i] for i in g], cache)
                      for label, g in zip(labels, best[1])], float(best[0]))


def _key(pieces):
    return tuple(sorted((p.stroke, p.start, p.stop) for p in pieces))


def _digit(label, members, cache):
    pts = np.concatenate([p.points for p in members])
    probs, crop = cache[_key(members)]
    bbox = (float(pts[:, 0].min()), float(pts[:, 1].min()),
            float(pts[:, 0].max()), float(pts[:, 1].max()))
    return AlignedDigit(label, sorted({p.stroke for p in members}), bbox, probs, crop)


def _search(pieces, labels, height, slant, scorer, cache, config):
    """(score, [group as tuple of piece indices, left to right]) reading ``labels``, or None."""
    boxes = boxes_of([p.points for p in pieces])
    order = sorted(range(len(pieces)), key=lambda i: ((boxes[i, 0] + boxes[i, 2]) / 2, i))
    if len(labels) > len(pieces):
        return None
    cands, idx, prior = _candidates(pieces, boxes, order, height, config)
    straight = [upright(p.points, slant) for p in pieces]
    pen = overlap_penalties(straight, idx, joint_boxes(boxes_of(straight), idx),
                            config.overlap_weight)
    keys = [_key([pieces[i] for i in c]) for c in cands]
    new = list({k: c for k, c in zip(keys, cands) if k not in cache}.items())
    if new:
        probs, crops = scorer([[straight[i] for i in c] for _, c in new])
        for (k, _), p, crop in zip(new, probs, crops):
            cache[k] = (np.asarray(p, np.float64), crop)
    logp = np.log(np.maximum([cache[k][0][:NUM_DIGITS] for k in keys], 1e-9))
    return _beam(order, cands, logp + prior[:, None], pen, labels, config)


def _candidates(pieces, boxes, order, height, config):
    """Candidate groups (tuples of piece indices; rows (m, max_pieces)) and their
    geometric log-priors (m,): neighbours in reading order whose ink lies close together."""
    combos = []
    for r, i in enumerate(order):
        rest = order[r + 1:r + config.window]
        for k in range(config.max_pieces):
            combos.extend(tuple(sorted((i,) + c)) for c in combinations(rest, k))
    idx = np.array([c + (c[0],) * (config.max_pieces - len(c)) for c in combos], dtype=np.intp)
    bbox, width, gap = group_shapes(boxes, box_gaps(boxes), idx, height)
    keep = [k for k in np.flatnonzero(plausible(width, gap) | (idx[:, 1] == idx[:, 0]))
            if _contiguous_cuts(pieces, combos[k], config.max_strokes)]
    prior = group_prior(width[keep], gap[keep])
    # A digit made only of pieces cut out of strokes is of a digit's height.
    cut = np.array([sum(p.stroke == q.stroke for q in pieces) > 1 for p in pieces])
    short = cut[idx[keep]].all(axis=1) & (bbox[keep, 3] - bbox[keep, 1]
                                          < config.min_cut_height * height)
    return [combos[k] for k in keep], idx[keep], prior - config.short_cut_penalty * short


def _contiguous_cuts(pieces, c, max_strokes):
    """Pieces of one stroke join a group only as one unbroken stretch of it."""
    by_stroke = {}
    for j in c:
        by_stroke.setdefault(pieces[j].stroke, []).append(pieces[j])
    if len(by_stroke) > max_strokes:
        return False
    for ps in by_stroke.values():
        ps.sort(key=lambda p: p.start)
        if any(a.stop - 1 != b.start for a, b in zip(ps, ps[1:])):
            return False
    return True


def _beam(order, cands, logp, pen, labels, config):
    """Exact covers of the pieces by ``len(labels)`` candidate groups, the j-th group
    (by its leftmost piece) read as ``labels[j]``: the best (score, groups) or None.

    ``logp[k, d]`` is the log-score of group ``cands[k]`` read as digit d; two digits with
    much ink in each other's box pay ``pen[k, j]``. A group is added at the first piece
    (in reading order) not yet used, so groups are added left to right."""
    rank = {i: r for r, i in enumerate(order)}
    n, want = len(order), len(labels)
    starting = [[] for _ in range(n)]
    for k, c in enumerate(cands):
        starting[min(rank[i] for i in c)].append((k, sum(1 << rank[i] for i in c)))
    pairs = [dict(zip(np.flatnonzero(row).tolist(), row[row != 0].tolist())) for row in pen]
    buckets = [dict() for _ in range(n + 1)]
    buckets[0][(0, 0)] = [(0.0, ())]
    for r in range(n):
        states = sorted(((s, used, g) for (used, _), lst in buckets[r].items() for s, g in lst),
                        key=lambda t: -t[0])[:config.beam]
        for s, used, groups in states:
            j = len(groups)
            if j == want:
                continue
            for k, mask in starting[r]:
                if mask & used:
                    continue
                u = used | mask
                # every digit still to come needs a piece of its own
                if n - bin(u).count("1") < want - j - 1:
                    continue
                near = pairs[k]
                pair = sum(near.get(g, 0.0) for g in groups) if near else 0.0
                lst = buckets[_first_zero(u, n)].setdefault((u, j + 1), [])
                lst.append((s + logp[k, labels[j]] + pair, groups + (k,)))
                if len(lst) > config.keep:
                    lst.sort(key=lambda t: -t[0])
                    del lst[config.keep:]
    final = [(s, g) for (_, j), lst in buckets[n].items() if j == want for s, g in lst]
    if not final:
        return None
    s, g = max(final, key=lambda t: t[0])
    return float(s), [cands[k] for k in g]


def _first_zero(mask, n):
    r = 0
    while r < n and mask >> r & 1:
        r += 1
    return r

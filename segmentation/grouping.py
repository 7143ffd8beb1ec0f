"""Which pieces of ink form each digit: over-segment, then let recognition choose.

Candidate groups of pieces (neighbours in reading order, so strokes added later still
join their digit) are scored in one batch by the caller's ``scorer``; a beam search
picks the partition of the pieces into digits with the best total of log-probabilities
and geometric evidence (width, gaps, and how much of one digit's ink lies in another's
box with the writing set upright). The strokes of a digit that reads doubtfully are cut
at their turning points and corners and searched again, for digits written without
lifting the pen. Digits that still read doubtfully get a second look: in slanted
writing they are read as drawn too, and the caller's ``path_scorer`` reads the order in
which the pen drew them.
"""
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from segmentation.geometry import (box_gaps, boxes_of, group_prior, group_shapes, joint_boxes,
                                   overlap_penalties, plausible, slant_of, upright)
from segmentation.pieces import digit_height, find_specks, split_piece, stroke_pieces

MAX_PIECES = 4          # pieces in one digit
MAX_STROKES = 3         # strokes in one digit (of 7494 pen digits, 9 have three, none more)
WINDOW = 6              # a digit's pieces lie within this many neighbours in reading order
BEAM = 24               # partial partitions kept per step
GROUP_BONUS = 0.0       # log-score added per digit: > 0 favours more, smaller groups
OVERLAP_WEIGHT = 4.0    # how strongly two digits may not hold much of each other's ink
MIN_CUT_HEIGHT = 0.4    # a digit cut out of a stroke is at least this share of the height
SHORT_CUT_PENALTY = 5.0  # log-score taken from one that is shorter
SLANT_MIN_WIDTH = 1.1   # a drawing narrower than this many digit heights is one digit: its
                        # steep moves (a 7's diagonal) tell its shape, not the hand's slant
SECOND_VIEW_SLANT = 0.05  # writing leaning less than this reads the same both ways
SECOND_LOOK_MARGIN = 2.0  # partitions this far (log-score) below the best get no second look
SURE = 0.7               # a digit read at least this likely gets no second look
PATH_WEIGHT = 0.75      # exponent of the pen-path reader's probabilities: a second opinion,
                        # trained on 25 writers' pen digits only, not on MNIST's 60,000
PATH_FLOOR = 1e-4       # ... and never a veto
DOUBT = 0.65            # strokes of a digit less likely than this are cut and read again
NUM_DIGITS = 10


@dataclass
class Group:
    """Pieces read as one digit: input stroke indices, bbox (x0, y0, x1, y1), class
    probabilities from the scorer (digits 0-9, then reject), and the scorer's crop."""

    strokes: list
    bbox: tuple
    probabilities: np.ndarray
    crop: object = None


@dataclass
class Reading:
    """One way to read the drawing: groups left to right, the text, its log-probability."""

    groups: list
    text: str
    score: float


def segment(ink, scorer, n_best=6, path_scorer=None):
    """Readings of a validated drawing, best first; [] when it holds no digit.

    ``ink`` is a list of (N, 3) arrays (see ``validate_ink``); ``scorer(groups)`` takes a
    list of groups, each a list of (M, 2) point arrays (x sheared so that the writing's
    slant is removed; y as given; a second call gives the digits it was unsure of as
    drawn), and returns ``(probs, crops)``:
    probs (len(groups), 11) with the reject class last, and one crop per group.
    ``path_scorer(groups)``, if given, takes groups of (M, 2) points as drawn, in pen
    order, and returns (len(groups), 10) digit probabilities read from the pen's path.
    """
    height = digit_height(ink)
    pieces = stroke_pieces(ink, find_specks(ink, height))
    if not pieces:
        return []
    # Slanted writing is set upright before it is read: the CNN then sees each digit as
    # MNIST's mostly upright writers drew it, and slanted neighbours stop sharing boxes.
    # A lone digit is read as drawn.
    slant = slant_of([p.points for p in pieces])
    if np.ptp(np.concatenate([p.points[:, 0] for p in pieces])) < SLANT_MIN_WIDTH * height:
        slant = 0.0
    cache = {}
    readings = _read(pieces, height, slant, scorer, cache, n_best)
    doubtful = {p for g in readings[0][1]
                if _best(cache[_key([pieces[i] for i in g])][0]) < DOUBT for p in g}
    if doubtful:
        split = []
        for i, p in enumerate(pieces):
            split.extend(split_piece(p, height) if i in doubtful else [p])
        if len(split) > len(pieces):
            again = _read(split, height, slant, scorer, cache, n_best)
            if again[0][0] > readings[0][0]:
                pieces, readings = split, again
    readings = _look_again(pieces, readings, scorer, path_scorer, cache, slant)
    return [_to_reading(pieces, groups, text, score, cache)
            for score, groups, text in _texts(readings, pieces, cache, n_best)]


def _look_again(pieces, readings, scorer, path_scorer, cache, slant):
    """The best partitions re-scored after a second look at the digits read doubtfully.

    Setting slanted writing upright helps the search (neighbours stop sharing boxes) but
    costs some digits their shape: a flagged 1 set upright looks like a 7. For a doubtful
    digit the mean of both views' probabilities reads more digits right than either.
    And the pen's path shows what no crop does: the pen goes round a 9's loop, however
    flat, before its stem, and climbs a 1's flag where a 7 starts with its bar. The
    path reader's probabilities, tempered (``PATH_WEIGHT``), multiply the digits' shares
    (a product of experts). Only groups of the partitions near the best get a second
    look, in one small batch per reader; most drawings have none."""
    top = readings[0][0]
    members = {}
    for score, groups in readings:
        if score >= top - SECOND_LOOK_MARGIN:
            for g in groups:
                m = [pieces[i] for i in g]
                members.setdefault(_key(m), m)
    todo = [k for k in members if _best(cache[k][0]) < SURE]
    if not todo:
        return readings
    first = {k: cache[k][0] for k in todo}
    drawn = [[p.points[:, :2] for p in members[k]] for k in todo]
    if abs(slant) >= SECOND_VIEW_SLANT:
        probs, _ = scorer(drawn)
        for k, p in zip(todo, probs):
            cache[k] = ((first[k] + np.asarray(p, np.float64)) / 2, cache[k][1])
    if path_scorer is not None:
        for k, p in zip(todo, path_scorer(drawn)):
            weights = (np.asarray(p, np.float64)[:NUM_DIGITS] + PATH_FLOOR) ** PATH_WEIGHT
            cache[k] = (_weigh(cache[k][0], weights), cache[k][1])
    gain = {k: _log_best(cache[k][0]) - _log_best(first[k]) for k in todo}
    out = [(s + sum(gain.get(_key([pieces[i] for i in g]), 0.0) for g in groups), groups)
           for s, groups in readings]
    return sorted(out, key=lambda t: -t[0])


def _weigh(probs, weights):
    """``probs`` with each digit's share times its weight, the digits' total kept (the
    reject share is left as it is)."""
    out = np.array(probs, np.float64)
    digits = out[:NUM_DIGITS] * np.asarray(weights)
    out[:NUM_DIGITS] = digits * out[:NUM_DIGITS].sum() / max(digits.sum(), 1e-12)
    return out


def _best(probs):
    """The probability of the likeliest digit."""
    return float(np.max(probs[:NUM_DIGITS]))


def _log_best(probs):
    return float(np.log(max(_best(probs), 1e-9)))


def _key(pieces):
    return tuple(sorted((p.stroke, p.start, p.stop) for p in pieces))


def _read(pieces, height, slant, scorer, cache, n_best):
    """Best partitions of ``pieces``: [(score, [group as tuple of piece indices])]."""
    boxes = boxes_of([p.points for p in pieces])
    order = sorted(range(len(pieces)), key=lambda i: ((boxes[i, 0] + boxes[i, 2]) / 2, i))
    cands, idx, prior = _candidates(pieces, boxes, order, height)
    straight = [upright(p.points, slant) for p in pieces]
    pen = overlap_penalties(straight, idx, joint_boxes(boxes_of(straight), idx), OVERLAP_WEIGHT)
    keys = [_key([pieces[i] for i in c]) for c in cands]
    new = [k for k in range(len(cands)) if keys[k] not in cache]
    if new:
        groups = [[straight[i] for i in cands[k]] for k in new]
        probs, crops = scorer(groups)
        for k, p, crop in zip(new, probs, crops):
            cache[keys[k]] = (np.asarray(p, np.float64), crop)
    best = np.array([cache[k][0][:NUM_DIGITS].max() for k in keys])
    score = np.log(np.maximum(best, 1e-9)) + prior + GROUP_BONUS
    return _beam(order, cands, score.tolist(), pen, n_best)


def _centre_x(piece):
    x = piece.points[:, 0]
    return (float(x.min()) + float(x.max())) / 2


def _candidates(pieces, boxes, order, height):
    """Candidate groups (tuples of piece indices, and as rows (m, MAX_PIECES) for
    ``group_shapes``) and their geometric priors (m,): each piece alone, and sets of up to
    MAX_PIECES neighbours within WINDOW in reading order whose ink lies close together."""
    combos = []
    for r, i in enumerate(order):
        rest = order[r + 1:r + WINDOW]
        for k in range(MAX_PIECES):
            combos.extend(tuple(sorted((i,) + c)) for c in combinations(rest, k))
    idx = np.array([c + (c[0],) * (MAX_PIECES - len(c)) for c in combos], dtype=np.intp)
    bbox, width, gap = group_shapes(boxes, box_gaps(boxes), idx, height)
    keep = [k for k in np.flatnonzero(plausible(width, gap) | (idx[:, 1] == idx[:, 0]))
            if _contiguous_cuts(pieces, combos[k])]
    prior = group_prior(width[keep], gap[keep])
    # A digit made only of pieces cut out of strokes must be of a digit's height: the
    # flag of a 1 or the link between two joined digits is part of a digit, not one.
    cut = np.array([sum(p.stroke == q.stroke for q in pieces) > 1 for p in pieces])
    short = cut[idx[keep]].all(axis=1) & (bbox[keep, 3] - bbox[keep, 1] < MIN_CUT_HEIGHT * height)
    return [combos[k] for k in keep], idx[keep], prior - SHORT_CUT_PENALTY * short


def _contiguous_cuts(pieces, c):
    """Pieces cut from one stroke join a group only as one unbroken stretch of it, and a
    group holds at most MAX_STROKES strokes."""
    by_stroke = {}
    for j in c:
        by_stroke.setdefault(pieces[j].stroke, []).append(pieces[j])
    if len(by_stroke) > MAX_STROKES:
        return False
    for ps in by_stroke.values():
        ps.sort(key=lambda p: p.start)
        if any(a.stop - 1 != b.start for a, b in zip(ps, ps[1:])):
            return False
    return True


def _beam(order, cands, score, pen, n_best):
    """Exact covers of the pieces by candidate groups, best total score first.

    ``score[k]`` is the log-score of group ``cands[k]`` alone; two digits with much ink
    in each other's box pay ``pen[k, j]`` (``overlap_penalties``)."""
    rank = {i: r for r, i in enumerate(order)}
    n = len(order)
    starting = [[] for _ in range(n)]
    for k, c in enumerate(cands):
        mask = sum(1 << rank[i] for i in c)
        starting[min(rank[i] for i in c)].append((k, mask))
    pairs = [dict(zip(np.flatnonzero(row).tolist(), row[row != 0].tolist())) for row in pen]
    buckets = [dict() for _ in range(n + 1)]
    buckets[0][0] = [(0.0, ())]
    for r in range(n):
        states = sorted(((s, used, g) for used, lst in buckets[r].items() for s, g in lst),
                        key=lambda t: -t[0])[:BEAM]
        for s, used, groups in states:
            for k, mask in starting[r]:
                if mask & used:
                    continue
                u = used | mask
                nxt = _first_zero(u, n)
                lst = buckets[nxt].setdefault(u, [])
                near = pairs[k]
                pair = sum(near.get(g, 0.0) for g in groups) if near else 0.0
                lst.append((s + score[k] + pair, groups + (k,)))
                if len(lst) > n_best:
                    lst.sort(key=lambda t: -t[0])
                    del lst[n_best:]
    final = [(s, [cands[k] for k in g]) for lst in buckets[n].values() for s, g in lst]
    final.sort(key=lambda t: -t[0])
    return final[:n_best]


def _first_zero(mask, n):
    r = 0
    while r < n and mask >> r & 1:
        r += 1
    return r


def _texts(readings, pieces, cache, n_best):
    """(score, groups, text) for the best partitions and their likeliest label swaps."""
    found = {}
    for base, groups in readings:
        groups = sorted(groups, key=lambda c: min(_centre_x(pieces[i]) for i in c))
        logp = np.log(np.maximum(
            [cache[_key([pieces[i] for i in c])][0][:NUM_DIGITS] for c in groups], 1e-9))
        top = np.argsort(-logp, axis=1)[:, :3]
        best = top[:, 0].tolist()
        options = [(base, best)]
        for j, row in enumerate(top):
            for alt in row[1:]:
                delta = float(logp[j, alt] - logp[j, best[j]])
                options.append((base + delta, best[:j] + [int(alt)] + best[j + 1:]))
        for s, labels in options:
            text = "".join(map(str, labels))
            if text not in found or found[text][0] < s:
                found[text] = (s, groups, labels)
    ranked = sorted(found.items(), key=lambda kv: -kv[1][0])[:n_best]
    return [(s, (groups, labels), text) for text, (s, groups, labels) in ranked]


def _to_reading(pieces, grouping, text, score, cache):
    groups, labels = grouping
    out = []
    for c in groups:
        members = [pieces[i] for i in c]
        pts = np.concatenate([p.points for p in members])
        probs, crop = cache[_key(members)]
        bbox = (float(pts[:, 0].min()), float(pts[:, 1].min()),
                float(pts[:, 0].max()), float(pts[:, 1].max()))
        out.append(Group(sorted({p.stroke for p in members}), bbox, probs, crop))
    return Reading(out, text, float(score))

"""Which pieces of ink form each digit: over-segment, then let recognition choose.

Candidate groups of pieces (neighbours in reading order, so strokes added later still
join their digit) are scored in one batch by the caller's ``scorer``; a beam search
picks the partition of the pieces into digits with the best total of log-probabilities
and geometric evidence (width, gaps, how much of one digit's ink lies in another's box
with the writing set upright, and strokes that cross, which are one digit's). The
strokes of a digit that reads doubtfully are cut at their turning points and corners and
searched again, for digits written without lifting the pen (a cut piece that climbs
straight up, alone, is the pen's way to the next digit, not a 1). Digits that still read
doubtfully get a second look: in slanted writing they are read as drawn too, and the
caller's ``path_scorer`` reads the order in which the pen drew them.
"""
from dataclasses import dataclass
from itertools import combinations
from typing import NamedTuple

import numpy as np

from segmentation.budget import TooComplex, stopper
from segmentation.config import DEFAULT_CONFIG
from segmentation.geometry import (add_penalties, boxes_of, crossing_penalties,
                                   crossing_pieces, group_prior, group_shapes, joint_boxes,
                                   overlap_penalties, plausible, slant_of, touching_pieces,
                                   upright)
from segmentation.pieces import digit_height, find_specks, split_piece, stroke_pieces

NUM_DIGITS = 10


class Scored(NamedTuple):
    """The scorer's answer for one candidate group: probabilities (11,) and its crop."""

    probs: np.ndarray
    crop: object


class Partition(NamedTuple):
    """A cover of the pieces by digits: its log-score and its groups of piece indices."""

    score: float
    groups: list


@dataclass
class Group:
    """Pieces read as one digit: input stroke indices, bbox (x0, y0, x1, y1), class
    probabilities from the scorer (digits 0-9, then reject), the scorer's crop, and the
    pieces' points as drawn ((M, 3) arrays in pen order: a stroke cut between two digits
    gives each its part)."""

    strokes: list
    bbox: tuple
    probabilities: np.ndarray
    crop: object = None
    pieces: list = None


@dataclass
class Reading:
    """One way to read the drawing: groups left to right, the text, its log-probability."""

    groups: list
    text: str
    score: float


def segment(ink, scorer, n_best=6, path_scorer=None, config=DEFAULT_CONFIG, deadline=None,
            cancelled=None, text_scorer=None):
    """Readings of a validated drawing, best first; [] when it holds no digit.

    ``ink`` is a list of (N, 3) arrays (see ``validate_ink``); ``scorer(groups)`` takes a
    list of groups, each a list of (M, 2) point arrays (x sheared so that the writing's
    slant is removed; y as given; a second call gives the digits it was unsure of as
    drawn), and returns ``(probs, crops)``:
    probs (len(groups), 11) with the reject class last, and one crop per group.
    ``path_scorer(groups, crops)``, if given, takes groups of (M, 2) points as drawn, in
    pen order, and the crops ``scorer`` made of them set upright, and returns
    (len(groups), 10) digit probabilities read from the pen's path.
    ``text_scorer(texts)``, if given, returns a log-likelihood of each of the best texts
    for the whole drawing; ``config.sequence_weight`` times it is added to their scores.
    With ``config.sequence_proposes``, the text it reads by itself (``text_scorer.text()``)
    joins them, grouped by the search constrained to read it.
    ``config`` holds every tuning constant and the work budget (``SegmentConfig``).

    Raises ``TooComplex`` (an ``InvalidInk``) for ink whose search would exceed the
    budget, before scoring it, and ``RecognitionStopped`` once ``deadline`` (a
    ``time.monotonic()`` value) passes or ``cancelled()`` returns true.
    """
    height, pieces, slant = prepare(ink, config)
    if not pieces:
        return []
    search = Search(scorer, path_scorer, config, stopper(deadline, cancelled), height, slant,
                    n_best)
    readings = search.read(pieces)
    best = readings[0]
    doubtful = {p for g in best.groups
                if _best(search.cache[_key([pieces[i] for i in g])].probs) < config.doubt
                for p in g}
    if doubtful:
        split = []
        for i, p in enumerate(pieces):
            split.extend(split_piece(p, height, config) if i in doubtful else [p])
        if len(split) > len(pieces):
            again = search.read(split, optional=True)
            if again and again[0].score > best.score:
                pieces, readings = split, again
    readings = search.look_again(pieces, readings)
    boxes = boxes_of([p.points for p in pieces]).tolist()
    texts = _texts(readings, pieces, boxes, search.cache, n_best)
    near = [t for s, _, t in texts if texts[0][0] - s <= config.sequence_reach]
    if text_scorer is not None and config.sequence_weight and len(near) > 1:
        own = _proposed(search, pieces, texts, text_scorer) if config.sequence_proposes \
            else None
        if own is not None:
            texts.insert(len(near), own)
            near.append(own[2])
        texts = rerank(texts, text_scorer(near), config.sequence_weight)[:n_best]
    return [_to_reading(pieces, boxes, groups, text, score, search.cache)
            for score, groups, text in texts]


def _proposed(search, pieces, texts, text_scorer):
    """(score, grouping, text) of the text the caller's reader reads by itself
    (``text_scorer.text()``, if it has one), grouped by the search constrained to read
    it (``segmentation.align``), or None: no such text, one already found, or no
    grouping of ``pieces`` reads it."""
    from segmentation.align import _search as aligned   # align builds on this module

    own = text_scorer.text() if hasattr(text_scorer, "text") else ""
    if not own or any(t == own for _, _, t in texts):
        return None
    labels = [int(c) for c in own]
    found = aligned(search, pieces, labels, optional=True)
    if found is None:
        return None
    return found[0], (list(found[1]), labels), own


def rerank(texts, likelihoods, weight):
    """``_texts``' (score, grouping, text) with ``weight`` times each text's
    log-``likelihoods`` added, best first (ties keep their order). ``likelihoods`` may
    cover only the first texts: the rest count as the least likely of those. A text the
    caller finds impossible (-inf) ranks below every possible one; if none is possible,
    nothing moves."""
    ll = np.asarray(likelihoods, np.float64)
    if not np.isfinite(ll).any():
        return texts
    ll = np.where(np.isfinite(ll), ll, ll[np.isfinite(ll)].min() - 1e3)
    ll = np.r_[ll, np.full(len(texts) - len(ll), ll.min())]
    scored = [(s + weight * float(v), g, t) for (s, g, t), v in zip(texts, ll)]
    return sorted(scored, key=lambda x: -x[0])


def prepare(ink, config=DEFAULT_CONFIG):
    """(digit height, pieces, slant) of validated ink: its strokes less the specks, and
    the slant its writing is set upright by (0 for a lone digit)."""
    height = digit_height(ink)
    pieces = stroke_pieces(ink, find_specks(ink, height, config))
    if not pieces:
        return height, [], 0.0
    # Slanted writing is set upright before it is read: the CNN then sees each digit as
    # MNIST's mostly upright writers drew it, and slanted neighbours stop sharing boxes.
    # A lone digit is read as drawn.
    slant = slant_of([p.points for p in pieces], config.slant_range)
    if np.ptp(np.concatenate([p.points[:, 0] for p in pieces])) < config.slant_min_width * height:
        slant = 0.0
    return height, pieces, slant


class Candidates(NamedTuple):
    """The candidate groups of one search: pieces in reading ``order``, the groups
    (``cands``, tuples of piece indices), their geometric log-priors, the sparse overlap
    penalties between them, and their keys into the search's cache."""

    order: list
    cands: list
    prior: np.ndarray
    pen: tuple
    keys: list


class Search:
    """One drawing's search: the scorers, the knobs, the scores so far and the budget."""

    def __init__(self, scorer, path_scorer, config, check, height, slant, n_best):
        self.scorer, self.path_scorer, self.config = scorer, path_scorer, config
        self.check, self.height, self.slant, self.n_best = check, height, slant, n_best
        self.cache = {}          # piece keys of a group -> Scored
        self.scored = 0          # groups given to the scorer, against config.max_scored
        self.points_scored = 0   # ... and their points, against config.max_points_scored

    def read(self, pieces, optional=False):
        """Best partitions of ``pieces`` (list of Partition), scoring new groups.

        Over budget, raises ``TooComplex``, or with ``optional`` returns [] (the split
        search is a refinement: without it the drawing still has a reading)."""
        c = self.candidates(pieces, optional)
        if c is None:
            return []
        best = np.array([self.cache[k].probs[:NUM_DIGITS].max() for k in c.keys])
        score = np.log(np.maximum(best, 1e-9)) + c.prior
        return _beam(c.order, c.cands, score.tolist(), c.pen, self.n_best, self.config.beam,
                     self.check)

    def candidates(self, pieces, optional=False):
        """The ``Candidates`` of ``pieces``, every one scored (in the cache). Over budget,
        raises ``TooComplex``, or with ``optional`` returns None."""
        cfg = self.config
        self.check()
        boxes = boxes_of([p.points for p in pieces])
        order = sorted(range(len(pieces)), key=lambda i: ((boxes[i, 0] + boxes[i, 2]) / 2, i))
        try:
            straight = [upright(p.points, self.slant) for p in pieces]
            cands, idx, prior = _candidates(pieces, boxes, order, self.height, cfg,
                                            boxes_of(straight))
            if len(cands) > cfg.max_candidates:
                raise TooComplex(f"{len(cands)} candidate digits to search (the limit is "
                                 f"{cfg.max_candidates}): too many strokes close together")
            keys_all = [_key([pieces[i] for i in c]) for c in cands]
            new = [k for k in range(len(cands)) if keys_all[k] not in self.cache]
            points = sum(len(pieces[i].points) for k in new for i in cands[k])
            if self.scored + len(new) > cfg.max_scored or \
                    self.points_scored + points > cfg.max_points_scored:
                raise TooComplex(f"{self.scored + len(new)} candidate digits of "
                                 f"{self.points_scored + points} points to read (the limits are "
                                 f"{cfg.max_scored} and {cfg.max_points_scored})")
            pen = overlap_penalties(straight, idx, joint_boxes(boxes_of(straight), idx),
                                    cfg.overlap_weight, cfg.overlap_free, cfg.max_overlap_pairs)
            strokes = [p.stroke for p in pieces]
            crossing = set()
            if cfg.cross_penalty:
                a, b = crossing_pieces(straight, strokes, cfg.max_cross_tests)
                pen = add_penalties(len(cands), pen, crossing_penalties(idx, a, b,
                                                                        cfg.cross_penalty))
                crossing = set(zip(a.tolist(), b.tolist()))
            if cfg.touch_penalty:
                a, b = touching_pieces(straight, strokes, cfg.touch_reach * self.height,
                                       cfg.max_cross_tests)
                apart = [k for k, ab in enumerate(zip(a.tolist(), b.tolist()))
                         if ab not in crossing]     # a crossing pays once
                pen = add_penalties(len(cands), pen, crossing_penalties(
                    idx, a[apart], b[apart], cfg.touch_penalty))
        except TooComplex:
            if optional:
                return None
            raise
        if new:
            self.check()
            self.scored += len(new)
            self.points_scored += points
            probs, crops = self.scorer([[straight[i] for i in cands[k]] for k in new])
            for k, p, crop in zip(new, probs, crops):
                self.cache[keys_all[k]] = Scored(np.asarray(p, np.float64), crop)
        return Candidates(order, cands, prior, pen, keys_all)

    def look_again(self, pieces, readings):
        """The best partitions re-scored after a second look at the digits read doubtfully.

        Setting slanted writing upright helps the search (neighbours stop sharing boxes)
        but costs some digits their shape: a flagged 1 set upright looks like a 7. For a
        doubtful digit the mean of both views' probabilities reads more digits right than
        either. And the pen's path shows what no crop does: the pen goes round a 9's loop,
        however flat, before its stem, and climbs a 1's flag where a 7 starts with its
        bar. The path reader's probabilities, tempered (``path_weight``), multiply the
        digits' shares (a product of experts). Only groups of the partitions near the best
        get a second look, in one small batch per reader; most drawings have none."""
        cfg, cache = self.config, self.cache
        top = readings[0].score
        members = {}
        for score, groups in readings:
            if score >= top - cfg.second_look_margin:
                for g in groups:
                    m = [pieces[i] for i in g]
                    members.setdefault(_key(m), m)
        todo = [k for k in members if _best(cache[k].probs) < cfg.sure]
        if not todo:
            return readings
        self.check()
        first = {k: cache[k].probs for k in todo}
        drawn = [[p.points[:, :2] for p in members[k]] for k in todo]
        if abs(self.slant) >= cfg.second_view_slant:
            probs, _ = self.scorer(drawn)
            for k, p in zip(todo, probs):
                cache[k] = cache[k]._replace(probs=(first[k] + np.asarray(p, np.float64)) / 2)
        if self.path_scorer is not None:
            for k, p in zip(todo, self.path_scorer(drawn, [cache[k].crop for k in todo])):
                weights = (np.asarray(p, np.float64)[:NUM_DIGITS] + cfg.path_floor) ** cfg.path_weight
                cache[k] = cache[k]._replace(probs=_weigh(cache[k].probs, weights))
        gain = {k: _log_best(cache[k].probs) - _log_best(first[k]) for k in todo}
        out = [Partition(s + sum(gain.get(_key([pieces[i] for i in g]), 0.0) for g in groups),
                         groups) for s, groups in readings]
        return sorted(out, key=lambda t: -t.score)


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


def _candidates(pieces, boxes, order, height, config=DEFAULT_CONFIG, straight_boxes=None):
    """Candidate groups (tuples of piece indices, and as rows (m, max_pieces) for
    ``group_shapes``) and their geometric priors (m,): each piece alone, and sets of up to
    ``max_pieces`` neighbours within ``window`` in reading order whose ink lies close
    together. At most sum(C(window - 1, j) for j < max_pieces) groups start at one piece
    (26 by default), so their number grows linearly with the pieces. A group whose pieces
    leave a clear column of paper between them (``clear_gap``, in ``straight_boxes``: the
    pieces' boxes with the writing set upright; default ``boxes``) pays
    ``clear_gap_penalty``: two digits apart are read as one only when far likelier so."""
    cfg = config
    combos = []
    for r, i in enumerate(order):
        rest = order[r + 1:r + cfg.window]
        for k in range(cfg.max_pieces):
            combos.extend(tuple(sorted((i,) + c)) for c in combinations(rest, k))
    idx = np.array([c + (c[0],) * (cfg.max_pieces - len(c)) for c in combos], dtype=np.intp)
    bbox, width, gap = group_shapes(boxes, idx, height)
    ok = (plausible(width, gap, cfg) | (idx[:, 1] == idx[:, 0])) & \
        _contiguous_cuts(pieces, idx, cfg.max_strokes)
    keep = np.flatnonzero(ok)
    prior = group_prior(width[keep], gap[keep], cfg)
    # A digit made only of pieces cut out of strokes must be of a digit's height: the
    # flag of a 1 or the link between two joined digits is part of a digit, not one.
    per_stroke = {}
    for p in pieces:
        per_stroke[p.stroke] = per_stroke.get(p.stroke, 0) + 1
    cut = np.array([per_stroke[p.stroke] > 1 for p in pieces])
    short = cut[idx[keep]].all(axis=1) & (bbox[keep, 3] - bbox[keep, 1] < cfg.min_cut_height * height)
    prior = prior - cfg.short_cut_penalty * short
    # A piece cut out of a stroke that climbs straight up is the pen's way from the foot of
    # one digit to the top of the next ("72" without lifting it), not a 1: a 1 is drawn down.
    if cfg.link_penalty:
        link = cut & np.array([climbs(p.points, height, cfg) for p in pieces])
        alone = (idx[keep] == idx[keep][:, :1]).all(axis=1)
        prior = prior - cfg.link_penalty * (alone & link[idx[keep][:, 0]])
    frame = boxes if straight_boxes is None else straight_boxes
    columns = x_gaps(frame, idx[keep])
    prior = prior - cfg.clear_gap_penalty * (columns >= cfg.clear_gap * height)
    # Two whole strokes that are each a tall, narrow bar are two 1s side by side, however
    # close: no digit of the training writers is drawn so.
    if cfg.bars_penalty:
        size = np.asarray(frame, np.float64)[:, 2:] - np.asarray(frame, np.float64)[:, :2]
        bar = ~cut & (size[:, 1] >= cfg.strokes_tall * height) & \
            (size[:, 0] <= cfg.strokes_narrow * height)
        sizes = np.array([len(combos[k]) for k in keep.tolist()], np.intp)
        real = np.arange(cfg.max_pieces)[None, :] < sizes[:, None]
        bars = (bar[idx[keep]] & real).sum(axis=1)
        prior = prior - cfg.bars_penalty * (bars >= 2)
    return [combos[k] for k in keep.tolist()], idx[keep], prior


def climbs(points, height, config=DEFAULT_CONFIG):
    """Whether a pen path (M, >= 2) rises by at least ``link_rise`` of ``height`` from its
    first point to its last (y down) along a nearly straight line: its length at most
    ``link_straight`` times the distance between its ends."""
    p = np.asarray(points, np.float64)[:, :2]
    if len(p) < 2:
        return False
    chord = float(np.hypot(*(p[-1] - p[0])))
    length = float(np.hypot(*np.diff(p, axis=0).T).sum())
    rises = p[0, 1] - p[-1, 1] >= config.link_rise * height
    straight = length <= config.link_straight * chord
    return bool(rises and straight)


def x_gaps(boxes, groups):
    """(m,) the widest column of paper between the pieces of each group: of the x-ranges
    of its pieces' ``boxes`` (rows of ``groups``, (m, k) indices), the largest gap their
    union leaves (0 for one piece or ranges that overlap)."""
    b = np.asarray(boxes, np.float64)[groups]                 # (m, k, 4)
    x0, x1 = b[:, :, 0], b[:, :, 2]
    order = np.argsort(x0, axis=1)
    x0, x1 = np.take_along_axis(x0, order, 1), np.take_along_axis(x1, order, 1)
    reach = np.maximum.accumulate(x1, axis=1)
    return np.maximum(0.0, x0[:, 1:] - reach[:, :-1]).max(axis=1, initial=0.0)


def _contiguous_cuts(pieces, groups, max_strokes):
    """(m,) bool for (m, k) rows of piece indices: pieces cut from one stroke join a group
    only as one unbroken stretch of it, and a group holds at most ``max_strokes`` strokes.
    (A repeated index, the padding of a smaller group, is one piece.)"""
    info = np.array([(p.stroke, p.start, p.stop) for p in pieces], dtype=np.int64)[groups]
    order = np.argsort(info[:, :, 0] * (int(info[:, :, 2].max()) + 1) + info[:, :, 1], axis=1)
    s = np.take_along_axis(info, order[:, :, None], axis=1)          # by stroke, then start
    same_piece = (s[:, 1:] == s[:, :-1]).all(axis=2)
    same_stroke = s[:, 1:, 0] == s[:, :-1, 0]
    strokes = 1 + (~same_stroke).sum(axis=1)
    joined = ~same_stroke | same_piece | (s[:, :-1, 2] - 1 == s[:, 1:, 1])
    return (strokes <= max_strokes) & joined.all(axis=1)


def _beam(order, cands, score, pen, n_best, beam, check):
    """Exact covers of the pieces by candidate groups, best total score first.

    ``score[k]`` is the log-score of group ``cands[k]`` alone; two digits with much ink
    in each other's box pay a penalty (``pen``: sparse rows, cols, values from
    ``overlap_penalties``). A partial
    cover holds its groups in the order of their first piece's rank, so a group's
    penalties are looked up only among the latest groups that can reach it: the work
    per step follows the penalties, not the number of digits so far."""
    rank = {i: r for r, i in enumerate(order)}
    n = len(order)
    starting = [[] for _ in range(n)]
    first = np.zeros(len(cands), np.intp)
    for k, c in enumerate(cands):
        first[k] = min(rank[i] for i in c)
        starting[first[k]].append((k, sum(1 << rank[i] for i in c)))
    first = first.tolist()
    near, reach = partners(pen, first)
    buckets = [dict() for _ in range(n + 1)]
    buckets[0][0] = [(0.0, ())]
    for r in range(n):
        if r % 64 == 63:
            check()
        states = sorted(((s, used, g) for used, lst in buckets[r].items() for s, g in lst),
                        key=lambda t: -t[0])[:beam]
        for s, used, groups in states:
            for k, mask in starting[r]:
                if mask & used:
                    continue
                u = used | mask
                nxt = (~u & (u + 1)).bit_length() - 1      # the lowest rank not yet covered
                lst = buckets[min(nxt, n)].setdefault(u, [])
                pair = pair_penalty(k, groups, near, reach, first) if k in near else 0.0
                lst.append((s + score[k] + pair, groups + (k,)))
                if len(lst) > n_best:
                    lst.sort(key=lambda t: -t[0])
                    del lst[n_best:]
    final = [Partition(s, [cands[k] for k in g]) for lst in buckets[n].values() for s, g in lst]
    final.sort(key=lambda t: -t.score)
    return final[:n_best]


def partners(pen, first):
    """From sparse penalties (rows, cols, values): ``{k: {j: penalty}}``, and for each k
    the lowest first rank among its partners (``first[j]``: rank of group j's first piece)."""
    near = {}
    for k, j, v in zip(*(a.tolist() for a in pen)):
        near.setdefault(k, {})[j] = v
    return near, {k: min(first[j] for j in row) for k, row in near.items()}


def pair_penalty(k, groups, near, reach, first):
    """What group k pays beside the ``groups`` of a partial cover (in order of first rank):
    only the latest groups, back to the lowest rank of k's partners, can be among them."""
    total, row, lo = 0.0, near[k], reach[k]
    for g in reversed(groups):
        if first[g] < lo:
            break
        total += row.get(g, 0.0)
    return total


def _texts(readings, pieces, boxes, cache, n_best):
    """(score, groups, text) for the best partitions and their likeliest label swaps;
    ``boxes`` are the pieces' (x0, y0, x1, y1), as lists."""
    found = {}
    centre = [(b[0] + b[2]) / 2 for b in boxes]            # the middle of each piece
    for base, groups in readings:
        groups = sorted(groups, key=lambda c: min(centre[i] for i in c))
        logp = np.log(np.maximum(
            [cache[_key([pieces[i] for i in c])].probs[:NUM_DIGITS] for c in groups], 1e-9))
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


def _to_reading(pieces, boxes, grouping, text, score, cache):
    """The ``Reading`` of one of ``_texts``' groupings; a digit's bbox joins its pieces'."""
    groups, labels = grouping
    out = []
    for c in groups:
        members = [pieces[i] for i in c]
        probs, crop = cache[_key(members)]
        b = [boxes[i] for i in c]
        bbox = (min(v[0] for v in b), min(v[1] for v in b), max(v[2] for v in b),
                max(v[3] for v in b))
        out.append(Group(sorted({p.stroke for p in members}), bbox, probs, crop,
                         [p.points for p in members]))
    return Reading(out, text, float(score))

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

import numpy as np

from segmentation.budget import stopper
from segmentation.config import DEFAULT_CONFIG
from segmentation.grouping import NUM_DIGITS, Search, _key, pair_penalty, partners, prepare
from segmentation.pieces import split_piece

KEEP = 2    # partial alignments kept per set of pieces used and digits read


@dataclass
class AlignedDigit:
    """One digit of the text and the ink that reads it."""

    label: int
    strokes: list                # input stroke indices, sorted
    bbox: tuple                  # (x0, y0, x1, y1) in input coordinates
    probabilities: np.ndarray    # the scorer's (11,) class probabilities for this group
    crop: object = None          # the scorer's crop
    pieces: list = None          # its ink as drawn: (M, 3) point arrays, in pen order


@dataclass
class Alignment:
    """The digits of the text, left to right, and the search's log-score of that reading."""

    digits: list
    score: float


def force_align(ink, scorer, text, config=DEFAULT_CONFIG, deadline=None, cancelled=None):
    """The best grouping of validated ``ink`` that reads exactly ``text``, or None.

    ``ink`` and ``scorer`` are as for ``segment`` (the scorer maps groups of upright
    (M, 2) point arrays to ``(probs (len(groups), 11), crops)``); ``text`` is a string of
    digits. None when no partition of the ink into ``len(text)`` plausible digits exists.
    The candidates, their geometry, the work budget (``TooComplex``) and the stops
    (``RecognitionStopped``) are those of ``segment``, with the same ``config``.
    """
    if not isinstance(text, str) or not text or not all("0" <= c <= "9" for c in text):
        raise ValueError(f"text must be a non-empty string of digits 0-9, got {text!r:.40}")
    labels = [int(c) for c in text]
    height, pieces, slant = prepare(ink, config)
    if not pieces:
        return None
    search = Search(scorer, None, config, stopper(deadline, cancelled), height, slant, 1)
    best = _search(search, pieces, labels)
    if best is None:
        todo = set(range(len(pieces)))
    else:
        todo = {i for d, g in zip(labels, best[1])
                if search.cache[_key([pieces[j] for j in g])].probs[d] < config.doubt for i in g}
    if todo:
        split = [q for i, p in enumerate(pieces)
                 for q in (split_piece(p, height, config) if i in todo else [p])]
        if len(split) > len(pieces):
            again = _search(search, split, labels, optional=True)
            if again is not None and (best is None or again[0] > best[0]):
                pieces, best = split, again
    if best is None:
        return None
    return Alignment([_digit(label, [pieces[i] for i in g], search.cache)
                      for label, g in zip(labels, best[1])], float(best[0]))


def _digit(label, members, cache):
    pts = np.concatenate([p.points for p in members])
    probs, crop = cache[_key(members)]
    bbox = (float(pts[:, 0].min()), float(pts[:, 1].min()),
            float(pts[:, 0].max()), float(pts[:, 1].max()))
    return AlignedDigit(label, sorted({p.stroke for p in members}), bbox, probs, crop,
                        [p.points for p in members])


def _search(search, pieces, labels, optional=False):
    """(score, [group as tuple of piece indices, left to right]) reading ``labels``, or None."""
    if len(labels) > len(pieces):
        return None
    c = search.candidates(pieces, optional)
    if c is None:
        return None
    logp = np.log(np.maximum([search.cache[k].probs[:NUM_DIGITS] for k in c.keys], 1e-9))
    return _beam(c.order, c.cands, logp + c.prior[:, None], c.pen, labels,
                 search.config.beam, search.check)


def _beam(order, cands, logp, pen, labels, beam, check):
    """Exact covers of the pieces by ``len(labels)`` candidate groups, the j-th group
    (by its leftmost piece) read as ``labels[j]``: the best (score, groups) or None.

    ``logp[k, d]`` is the log-score of group ``cands[k]`` read as digit d; two digits with
    much ink in each other's box pay their penalty (``pen``: sparse rows, cols, values). A
    group is added at the first piece (in reading order) not yet used, so groups are added
    left to right, and a group's penalties are looked up only among the latest groups."""
    rank = {i: r for r, i in enumerate(order)}
    n, want = len(order), len(labels)
    starting = [[] for _ in range(n)]
    first = []
    for k, c in enumerate(cands):
        first.append(min(rank[i] for i in c))
        starting[first[k]].append((k, sum(1 << rank[i] for i in c)))
    near, reach = partners(pen, first)
    buckets = [dict() for _ in range(n + 1)]
    buckets[0][(0, 0)] = [(0.0, ())]
    for r in range(n):
        if r % 64 == 63:
            check()
        states = sorted(((s, used, g) for (used, _), lst in buckets[r].items() for s, g in lst),
                        key=lambda t: -t[0])[:beam]
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
                pair = pair_penalty(k, groups, near, reach, first) if k in near else 0.0
                nxt = (~u & (u + 1)).bit_length() - 1
                lst = buckets[min(nxt, n)].setdefault((u, j + 1), [])
                lst.append((s + logp[k, labels[j]] + pair, groups + (k,)))
                if len(lst) > KEEP:
                    lst.sort(key=lambda t: -t[0])
                    del lst[KEEP:]
    final = [(s, g) for (_, j), lst in buckets[n].items() if j == want for s, g in lst]
    if not final:
        return None
    s, g = max(final, key=lambda t: t[0])
    return float(s), [cands[k] for k in g]

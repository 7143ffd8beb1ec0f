"""Bounded work per drawing: ink within the limits that would make the search grind is
refused before it is scored (``TooComplex``, an ``InvalidInk``), accepted ink is scored
within the budget, the work grows linearly with the ink, and a deadline or a cancelled
caller stops it (``RecognitionStopped``). The sparse and vectorised parts of the search
are checked against straightforward reference implementations."""
import time

import numpy as np
import pytest
from shapes import number

from segmentation import (InvalidInk, RecognitionStopped, SegmentConfig, TooComplex, segment,
                          validate_ink)
from segmentation.geometry import boxes_of, overlap_penalties
from segmentation.grouping import _contiguous_cuts
from segmentation.pieces import Piece, _corners


class Counting:
    """A scorer that reads every group as a sure 1 and counts the groups it was given."""

    def __init__(self):
        self.groups = 0
        self.calls = 0

    def __call__(self, groups):
        self.groups += len(groups)
        self.calls += 1
        probs = np.zeros((len(groups), 11))
        probs[:, 1] = 0.9
        probs[:, 10] = 0.1
        return probs, [None] * len(groups)


def _pile(n, points, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(0, 4, (points, 2)) + 100).tolist() for _ in range(n)]


def _zigzags(n, points):
    return [np.column_stack([30.0 * i + np.linspace(0, 60, points),
                             100 + 80 * (np.arange(points) % 2)]).tolist() for i in range(n)]


def _scattered(n, points, width, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform([0, 0], [width, 400]) + np.cumsum(rng.normal(0, 4, (points, 2)), 0)).tolist()
            for _ in range(n)]


# The reproducers of issue 13: each drove the server past gigabytes or tens of seconds.
REPRODUCERS = {
    "1000 two-point lines in one spot": lambda: _pile(1000, 2),
    "500 strokes in one spot": lambda: _pile(500, 40),
    "200 zig-zag strokes of 100 points": lambda: _zigzags(200, 100),
    "20,000 points over 1000 strokes": lambda: _scattered(1000, 20, 4000),
}


@pytest.mark.parametrize("name", REPRODUCERS)
def test_the_reproducers_are_refused_before_any_scoring(name):
    scorer = Counting()
    start = time.perf_counter()
    with pytest.raises(InvalidInk, match="^too complex: "):
        segment(validate_ink(REPRODUCERS[name]()), scorer)
    assert scorer.groups == 0
    assert time.perf_counter() - start < 10      # a guard against a grind, not a benchmark


def test_too_complex_is_invalid_ink():
    assert issubclass(TooComplex, InvalidInk)


@pytest.mark.parametrize("seed", range(6))
def test_accepted_ink_is_scored_within_the_budget(seed):
    cfg = SegmentConfig(max_scored=60, max_points_scored=3000)
    scorer = Counting()
    ink = validate_ink(_scattered(40 + 10 * seed, 12, 900, seed))
    try:
        segment(ink, scorer, config=cfg)
    except TooComplex:
        pass
    assert scorer.groups <= cfg.max_scored + len(ink)   # + the second look (one per digit)


def test_a_doubtful_split_over_budget_is_skipped_not_refused():
    strokes, _ = number("00")
    joined = [np.vstack(strokes)]                  # "00" in one stroke: the split search
    ink = validate_ink(joined)
    def narrow_zeros(groups):      # sure of a 0 only as wide as one digit
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            pts = np.concatenate(g)
            probs[k, 0] = 0.95 if np.ptp(pts[:, 0]) < 1.2 * np.ptp(pts[:, 1]) else 0.5
        probs[:, 10] = 1 - probs[:, 0]
        return probs, [None] * len(groups)
    assert segment(ink, narrow_zeros)[0].text == "00"               # split when it may
    assert segment(ink, narrow_zeros, config=SegmentConfig(max_scored=1))[0].text == "0"


def test_the_work_grows_linearly_with_the_number_s_length():
    scored = []
    for k in (1, 2, 4, 8):
        strokes, owners = number("2047159" * k)
        scorer = Counting()
        segment(validate_ink(strokes), scorer)
        scored.append(scorer.groups)
    ratios = np.array(scored[1:]) / np.array(scored[:-1])
    assert np.all(ratios < 2.3), scored                           # doubling the ink


def test_a_deadline_in_the_past_stops_before_scoring():
    scorer = Counting()
    strokes, _ = number("2047")
    with pytest.raises(RecognitionStopped, match="deadline"):
        segment(validate_ink(strokes), scorer, deadline=time.monotonic() - 1)
    assert scorer.calls == 0


def test_a_cancelled_caller_stops_the_search_between_steps():
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 1          # the caller hangs up after the first check

    scorer = Counting()
    strokes, _ = number("2047")
    with pytest.raises(RecognitionStopped, match="cancelled"):
        segment(validate_ink(strokes), scorer, cancelled=cancelled)
    assert scorer.calls <= 1


def test_without_a_deadline_nothing_is_checked():
    strokes, _ = number("2047")
    assert segment(validate_ink(strokes), Counting())[0].text == "1111"


# ---- sparse and vectorised parts against straightforward references ----

def _dense_overlap_reference(parts, groups, boxes, weight, free):
    """The former dense computation: every point against every group's box."""
    sizes = np.array([len(p) for p in parts])
    pts = np.concatenate(parts)
    b = np.asarray(boxes, dtype=np.float64)
    inside = ((pts[:, None, 0] >= b[None, :, 0]) & (pts[:, None, 0] <= b[None, :, 2]) &
              (pts[:, None, 1] >= b[None, :, 1]) & (pts[:, None, 1] <= b[None, :, 3]))
    per_piece = np.add.reduceat(inside.astype(np.float64), np.r_[0, np.cumsum(sizes)[:-1]])
    member = np.zeros((len(groups), len(parts)))
    member[np.arange(len(groups))[:, None], groups] = 1.0
    share = (member @ per_piece) / np.maximum(member @ sizes, 1)[:, None]
    share = np.maximum(share, share.T)
    out = -weight * np.maximum(0.0, share - free)
    np.fill_diagonal(out, 0.0)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_sparse_overlap_penalties_equal_the_dense_reference(seed):
    rng = np.random.default_rng(seed)
    parts = [rng.uniform(0, 100, 2) + np.cumsum(rng.normal(0, 6, (int(rng.integers(1, 30)), 2)), 0)
             for _ in range(12)]
    groups = np.array([np.sort(rng.choice(12, 3)) for _ in range(40)] + [[i] * 3 for i in range(12)])
    boxes = np.array([np.r_[np.concatenate([parts[i] for i in g]).min(0),
                            np.concatenate([parts[i] for i in g]).max(0)] for g in groups])
    rows, cols, values = overlap_penalties(parts, groups, boxes, 4.0, 0.4)
    dense = np.zeros((len(groups), len(groups)))
    dense[rows, cols] = values
    assert np.allclose(dense, _dense_overlap_reference(parts, groups, boxes, 4.0, 0.4))
    assert (values < 0).all() and len(set(zip(rows.tolist(), cols.tolist()))) == len(rows)


def test_too_many_pairs_that_share_ink_are_refused():
    parts = [np.random.default_rng(0).uniform(0, 5, (5, 2)) for _ in range(30)]
    groups = np.arange(30)[:, None]
    with pytest.raises(TooComplex, match="meetings"):
        overlap_penalties(parts, groups, boxes_of(parts), 4.0, 0.4, max_pairs=100)


def _corners_reference(xy, reach, deg):
    """The former loop: walk the arc back and ahead from each point."""
    def walk(i, step):
        j, d = i, 0.0
        while 0 < j < len(xy) - 1 and d < reach:
            d += float(np.linalg.norm(xy[j + step] - xy[j]))
            j += step
        return j
    out = []
    for i in range(1, len(xy) - 1):
        u, w = xy[i] - xy[walk(i, -1)], xy[walk(i, 1)] - xy[i]
        nu, nw = np.linalg.norm(u), np.linalg.norm(w)
        if nu > 0 and nw > 0 and np.dot(u, w) / (nu * nw) < np.cos(np.deg2rad(deg)):
            out.append(i)
    runs = []
    for i in out:
        if runs and i - runs[-1][-1] <= 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [r[len(r) // 2] for r in runs]


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_corners_equal_the_loop_reference(seed):
    rng = np.random.default_rng(seed)
    xy = np.cumsum(rng.normal(0, 5, (200, 2)), axis=0).round(1)   # ties and zero-length moves
    arc = np.r_[0, np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=1))]
    assert _corners(xy, arc, 8.0, 75.0) == _corners_reference(xy, 8.0, 75.0)


def _contiguous_reference(pieces, c, max_strokes):
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


def test_vectorised_contiguity_equals_the_loop_reference():
    pts = np.zeros((30, 3))
    pieces = [Piece(0, 0, 10, pts[:10]), Piece(0, 9, 20, pts[9:20]), Piece(0, 19, 30, pts[19:]),
              Piece(1, 0, 5, pts[:5]), Piece(2, 0, 5, pts[:5]), Piece(3, 0, 5, pts[:5])]
    rng = np.random.default_rng(0)
    combos = [tuple(sorted(set(rng.choice(6, int(rng.integers(1, 5))).tolist()))) for _ in range(300)]
    idx = np.array([c + (c[0],) * (4 - len(c)) for c in combos])
    got = _contiguous_cuts(pieces, idx, 3)
    assert got.tolist() == [_contiguous_reference(pieces, c, 3) for c in combos]


def test_forced_alignment_has_the_same_budget_and_stops():
    from segmentation.align import force_align

    scorer = Counting()
    with pytest.raises(TooComplex):
        force_align(validate_ink(_pile(1000, 2)), scorer, "12")
    assert scorer.groups == 0
    strokes, _ = number("2047")
    with pytest.raises(RecognitionStopped):
        force_align(validate_ink(strokes), scorer, "2047", deadline=time.monotonic() - 1)

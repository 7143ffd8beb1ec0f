"""Strokes that cross, or touch, belong to one digit: the crossing and touching tests, their
penalties and their budget."""
from fractions import Fraction

import numpy as np
import pytest
from shapes import digit, number

from segmentation import SegmentConfig, TooComplex, segment, validate_ink
from segmentation.geometry import (add_penalties, crossing_penalties, crossing_pieces,
                                   touching_pieces)


def _proper_cross_reference(p1, p2, q1, q2):
    """Exact rational arithmetic: the segments p1-p2 and q1-q2 meet at one point inside
    both (not at an end of either, and not along a common line)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = [tuple(map(Fraction, v)) for v in (p1, p2, q1, q2)]
    den = (bx - ax) * (dy - cy) - (by - ay) * (dx - cx)
    if den == 0:
        return False
    t = ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / den
    u = ((cx - ax) * (by - ay) - (cy - ay) * (bx - ax)) / den
    return 0 < t < 1 and 0 < u < 1


def _crossing_reference(parts, strokes):
    found = set()
    for a in range(len(parts)):
        for b in range(a + 1, len(parts)):
            if strokes[a] == strokes[b]:
                continue
            pa, pb = parts[a], parts[b]
            if any(_proper_cross_reference(pa[i], pa[i + 1], pb[j], pb[j + 1])
                   for i in range(len(pa) - 1) for j in range(len(pb) - 1)):
                found.add((a, b))
    return found


STROKES = [0, 0, 1, 2, 3, 3, 4, 5, 6]       # of random_pieces: one stroke's are never tested


def random_pieces(seed, spread):
    """Nine random walks of 1-11 integer points, started within ``spread`` of the origin."""
    rng = np.random.default_rng(seed)
    walk = lambda n: np.cumsum(rng.normal(0, 8, (n, 2)), 0)  # noqa: E731
    return [np.round(rng.uniform(0, spread, 2) + walk(int(rng.integers(1, 12))))
            for _ in range(len(STROKES))]


@pytest.mark.parametrize("seed", range(6))
def test_crossings_equal_an_exact_reference(seed):
    parts, strokes = random_pieces(seed, 100), STROKES
    a, b = crossing_pieces(parts, strokes)
    assert set(zip(a.tolist(), b.tolist())) == _crossing_reference(parts, strokes)


def test_touching_is_not_crossing():
    stem = np.array([[0.0, 0.0], [0.0, 10.0]])
    assert len(crossing_pieces([stem, np.array([[0.0, 5.0], [6.0, 5.0]])], [0, 1])[0]) == 0  # T
    assert len(crossing_pieces([stem, np.array([[-3.0, 5.0], [6.0, 5.0]])], [0, 1])[0]) == 1  # +


def test_a_four_crosses_itself_and_not_its_neighbour():
    strokes, _ = number("41", gap=0.1)
    a, b = crossing_pieces([s[:, :2] for s in strokes], [0, 1, 2])
    assert list(zip(a.tolist(), b.tolist())) == [(0, 1)]       # the 4's L and stick


def test_the_penalty_falls_on_pairs_of_groups_that_part_a_crossing():
    groups = np.array([[0, 0], [1, 1], [2, 2], [0, 1], [1, 2]])
    rows, cols, values = crossing_penalties(groups, np.array([0]), np.array([1]), 2.0)
    pairs = set(zip(rows.tolist(), cols.tolist()))
    # 0 apart from 1 (alone or with 2); a group holding both parts nothing
    assert pairs == {(0, 1), (1, 0), (0, 4), (4, 0)}
    assert (values == -2.0).all()
    rows, cols, total = add_penalties(5, (rows, cols, values), (np.array([0]), np.array([1]),
                                                               np.array([-0.5])))
    assert dict(zip(zip(rows.tolist(), cols.tolist()), total.tolist()))[(0, 1)] == -2.5


def _each_stroke_a_sure_one(groups):
    """A scorer: a stroke alone is a 1 (0.9), two strokes a 4 (0.6), the rest junk."""
    probs = np.zeros((len(groups), 11))
    for k, g in enumerate(groups):
        probs[k, 1 if len(g) == 1 else 4] = 0.9 if len(g) == 1 else 0.6
    probs[:, 10] = 1 - probs.sum(axis=1)
    return probs, [None] * len(groups)


def test_crossing_strokes_are_read_as_one_digit():
    ink = validate_ink(digit("4", h=100.0))
    alone = SegmentConfig(overlap_weight=0.0)       # the crossing, not the shared box, decides
    assert segment(ink, _each_stroke_a_sure_one, config=alone)[0].text == "4"
    assert segment(ink, _each_stroke_a_sure_one,
                   config=alone.with_values(cross_penalty=0.0))[0].text == "11"


def test_too_many_segments_to_test_are_refused():
    rng = np.random.default_rng(0)
    parts = [rng.uniform(0, 5, (200, 2)) for _ in range(4)]
    with pytest.raises(TooComplex, match="crossings"):
        crossing_pieces(parts, [0, 1, 2, 3], max_tests=10_000)
    ink = validate_ink([np.c_[p, np.arange(len(p))] for p in parts])
    with pytest.raises(TooComplex, match="crossings"):
        segment(ink, _each_stroke_a_sure_one, config=SegmentConfig(max_cross_tests=10_000))


def test_the_census_counts_pairs_of_one_digit_and_of_two():
    from training.compose import Composed
    from training.crossings import census

    strokes, owners = number("41", gap=0.1)         # the 4's L and stick, then the 1
    sample = Composed(strokes=strokes, text="41", scenario="clean", writer=1,
                      digit_strokes=owners)
    assert census([sample])[:4] == (1, 1, 2, 0)


def test_the_census_counts_touching_pairs_that_do_not_cross():
    from training.compose import Composed
    from training.crossings import census

    loop = np.array([[0, 0], [40, 0], [40, 40], [0, 40], [0, 0]], np.float64)
    stem = np.array([[41, 2], [41, 100]], np.float64)      # starts 1 from the loop's ink
    one = np.array([[90, 0], [90, 100]], np.float64)
    sample = Composed(strokes=[np.c_[s, np.zeros(len(s))] for s in (loop, stem, one)],
                      text="91", scenario="clean", writer=1, digit_strokes=[[0, 1], [2]])
    # the digit height is 100: at 0.02 the stem touches its loop, the 1 touches nothing
    assert census([sample], [0.005, 0.02]) == (1, 0, 2, 0, {0.005: [0, 0], 0.02: [1, 0]})


def _touch_reference(parts, strokes, reach):
    """Exact rational arithmetic: pairs of pieces of different strokes where an end of one
    lies within ``reach`` of a segment (or the lone point) of the other."""
    def near(e, poly):
        ex, ey = map(Fraction, e)
        pts = [tuple(map(Fraction, p)) for p in poly]
        segs = list(zip(pts, pts[1:])) or [(pts[0], pts[0])]
        for (ax, ay), (bx, by) in segs:
            dx, dy = bx - ax, by - ay
            den = dx * dx + dy * dy
            t = 0 if den == 0 else min(1, max(0, ((ex - ax) * dx + (ey - ay) * dy) / den))
            px, py = ax + t * dx, ay + t * dy
            if (ex - px) ** 2 + (ey - py) ** 2 <= Fraction(reach) ** 2:
                return True
        return False

    found = set()
    for a in range(len(parts)):
        for b in range(a + 1, len(parts)):
            if strokes[a] != strokes[b] and (
                    any(near(e, parts[b]) for e in (parts[a][0], parts[a][-1])) or
                    any(near(e, parts[a]) for e in (parts[b][0], parts[b][-1]))):
                found.add((a, b))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_touches_equal_an_exact_reference(seed):
    parts, strokes = random_pieces(seed, 60), STROKES
    for reach in (0.5, 3.0, 7.5):
        a, b = touching_pieces(parts, strokes, reach)
        assert set(zip(a.tolist(), b.tolist())) == _touch_reference(parts, strokes, reach)


def test_a_stroke_that_starts_on_another_touches_it_and_one_a_gap_away_does_not():
    stem = np.array([[0.0, 0.0], [0.0, 10.0]])
    t_bar = np.array([[0.5, 5.0], [6.0, 5.0]])              # starts 0.5 from the stem
    assert touching_pieces([stem, t_bar], [0, 1], 1.0)[0].tolist() == [0]
    assert len(touching_pieces([stem, t_bar], [0, 1], 0.4)[0]) == 0
    assert len(touching_pieces([stem, t_bar], [0, 0], 1.0)[0]) == 0   # one stroke's pieces
    assert len(touching_pieces([stem, t_bar], [0, 1], 0.0)[0]) == 0   # reach 0: off


def _loop_and_stem():
    """A 9 drawn as a loop, then a stem started on the loop's ink (FLAD4341's way)."""
    loop = [[40, 10], [10, 0], [0, 20], [10, 40], [40, 40], [40, 10]]
    stem = [[42, 12], [42, 100]]
    return validate_ink([np.array(loop, np.float64), np.array(stem, np.float64)])


def test_strokes_that_touch_are_read_as_one_digit_with_the_touch_penalty():
    ink = _loop_and_stem()
    alone = SegmentConfig(overlap_weight=0.0, touch_penalty=0.0)
    assert segment(ink, _each_stroke_a_sure_one, config=alone)[0].text == "11"
    assert segment(ink, _each_stroke_a_sure_one,
                   config=alone.with_values(touch_penalty=2.0))[0].text == "4"


def test_too_many_distances_to_measure_are_refused():
    rng = np.random.default_rng(0)
    parts = [rng.uniform(0, 5, (200, 2)) for _ in range(4)]
    with pytest.raises(TooComplex, match="touch"):
        touching_pieces(parts, [0, 1, 2, 3], 1.0, max_tests=1_000)

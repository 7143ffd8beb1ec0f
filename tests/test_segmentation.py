"""Grouping by recognition, checked with an oracle scorer that knows the true digits.

The oracle says "digit d" (p = 0.95) for a group whose strokes are exactly those of a
true digit, and "junk" for anything else, so these tests check the search and the
geometry, not the CNN (test_recognize.py does that on the shipped model).
"""
import numpy as np
import pytest
from shapes import digit, number

from segmentation import segment, validate_ink
from segmentation.grouping import x_gaps
from segmentation.geometry import (box_gaps, boxes_of, group_shapes, overlap_penalties,
                                   slant_of, upright)
from segmentation.pieces import Piece, cut_points, digit_height, find_specks, split_piece


def _key(points):
    # y and pen order only: segmentation shears x to set slanted writing upright
    return (len(points),) + tuple(np.round(points[[0, -1], 1], 6))



def test_boxes_of_are_each_parts_extremes():
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(n, 3)) * 50 for n in (1, 2, 7, 40)]
    expected = [[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in parts]
    assert np.array_equal(boxes_of(parts), expected)
    assert boxes_of([]).shape == (0, 4)

def oracle(strokes, owners, text):
    truth = {frozenset(o): int(d) for o, d in zip(owners, text)}
    firsts = {_key(s): i for i, s in enumerate(strokes)}

    def score(groups):
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            members = frozenset(firsts.get(_key(p), -1) for p in g)
            if members in truth:
                probs[k, truth[members]] = 0.95
                probs[k, 10] = 0.05
            else:
                probs[k, 10] = 0.9
                probs[k, 0] = 0.1
        return probs, [None] * len(groups)
    return score


def read(strokes, owners, text):
    ink = validate_ink(strokes)
    readings = segment(ink, oracle(ink, owners, text))
    return readings[0]


def test_multi_stroke_digits_stay_together():
    strokes, owners = number("4571")
    best = read(strokes, owners, "4571")
    assert best.text == "4571"
    assert [g.strokes for g in best.groups] == owners


def test_stroke_added_after_the_next_digit_joins_its_digit():
    strokes, owners = number("45")
    # the 4's second stroke is drawn last, after the 5
    order = [0, 2, 3, 1]
    moved = [strokes[i] for i in order]
    new_owner = [[order.index(i) for i in o] for o in owners]
    best = read(moved, new_owner, "45")
    assert best.text == "45"
    assert sorted(map(sorted, (g.strokes for g in best.groups))) == sorted(map(sorted, new_owner))


def test_overlapping_boxes_from_slanted_tight_writing():
    strokes, owners = number("14741", gap=-0.05, slant=0.35)
    assert read(strokes, owners, "14741").text == "14741"


def test_twelve_digits_and_mixed_sizes():
    strokes, owners = number("123456789012")
    assert read(strokes, owners, "123456789012").text == "123456789012"
    small = digit("1", x=0, h=40) + digit("0", x=40, h=160)
    assert read(small, [[0], [1]], "10").text == "10"


def test_specks_are_not_digits_and_empty_ink_reads_nothing():
    strokes, owners = number("7")
    dot = np.array([[200.0, 50.0, 999.0]])
    ink = validate_ink(strokes + [dot])
    assert find_specks(ink, digit_height(ink)) == [len(strokes)]
    best = segment(ink, oracle(ink, owners, "7"))[0]
    assert best.text == "7" and best.groups[0].strokes == [0]
    assert segment([], oracle([], [], "")) == []
    assert segment(validate_ink([[[5, 5]]]), oracle([], [], "")) == []


def test_alternatives_are_distinct_and_ranked():
    strokes, owners = number("29")
    ink = validate_ink(strokes)
    readings = segment(ink, oracle(ink, owners, "29"))
    texts = [r.text for r in readings]
    assert texts[0] == "29" and len(set(texts)) == len(texts)
    assert [r.score for r in readings] == sorted((r.score for r in readings), reverse=True)


def test_two_zeros_in_one_stroke_are_cut_at_the_joint():
    a, b = digit("0")[0], digit("0", x=75)[0]
    stroke = np.vstack([a, b])
    cuts = cut_points(stroke, 100)
    assert any(abs(c - len(a)) <= 1 for c in cuts)
    parts = split_piece(Piece(0, 0, len(stroke), stroke), 100)
    assert sum(len(p.points) for p in parts) == len(stroke) + len(parts) - 1


def test_a_one_is_never_cut():
    assert cut_points(digit("1")[0], 100) == []


def _prim_link_gap(gaps, group):
    joined, rest, worst = [group[0]], list(group[1:]), 0.0
    while rest:
        d, j = min((min(gaps[i, j] for i in joined), j) for j in rest)
        worst, joined = max(worst, d), joined + [j]
        rest.remove(j)
    return worst


def test_the_linking_gap_is_the_longest_edge_single_linkage_needs():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 300, (8, 2))
    boxes = np.c_[xy, xy + rng.uniform(5, 60, (8, 2))]
    gaps = box_gaps(boxes)
    groups = np.array([rng.choice(8, 4, replace=False) for _ in range(50)] + [[3, 3, 3, 3]])
    joint, width, gap = group_shapes(boxes, groups, height=100.0)
    for g, j, w, d in zip(groups, joint, width, gap):
        b = boxes[g]
        s = max(b[:, 3].max() - b[:, 1].min(), 50.0)
        assert np.allclose(j, [b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
        assert np.isclose(w, (j[2] - j[0]) / s)
        assert np.isclose(d * s, _prim_link_gap(gaps, list(dict.fromkeys(g.tolist()))))


def test_the_clear_column_is_the_widest_x_range_no_piece_covers():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(0, 300, 8)
    boxes = np.c_[x0, np.zeros(8), x0 + rng.uniform(5, 60, 8), np.ones(8)]
    groups = np.array([rng.choice(8, 3, replace=False) for _ in range(60)] + [[2, 2, 2]])
    got = x_gaps(boxes, groups)
    for g, column in zip(groups, got):
        # reference: scan x on a fine grid between the group's ends for uncovered runs
        xs = np.arange(boxes[g, 0].min(), boxes[g, 2].max(), 0.01)
        covered = np.zeros(len(xs), bool)
        for i in g:
            covered |= (xs >= boxes[i, 0]) & (xs <= boxes[i, 2])
        runs, run = [0.0], 0
        for c in covered:
            run = 0 if c else run + 1
            runs.append(run * 0.01)
        assert column == pytest.approx(max(runs), abs=0.02)
    assert got[-1] == 0.0


def test_digits_pay_for_ink_inside_each_other_s_box():
    zero = digit("0")[0][:, :2]
    parts = [zero,
             np.array([[-5.0, 105.0], [65.0, -5.0]]),             # the slash of a slashed 0
             digit("1", x=58)[0][:, :2],                          # a neighbour close by
             digit("7", x=200)[0][:, :2]]                         # far away
    groups = np.array([[0], [1], [2], [3]])
    boxes = boxes_of(parts)
    rows, cols, values = overlap_penalties(parts, groups, boxes, weight=4.0)
    pen = np.zeros((4, 4))
    pen[rows, cols] = values
    assert np.array_equal(pen, pen.T) and not pen.diagonal().any()
    assert pen[0, 1] < -2                # the slash belongs to the zero
    assert pen[0, 2] == 0 and pen[0, 3] == 0


def test_slanted_writing_is_set_upright_before_boxes_are_compared():
    strokes, _ = number("1111", slant=0.4)
    parts = [s[:, :2] for s in validate_ink(strokes)]
    k = slant_of(parts)
    assert 0.3 < k < 0.5
    for p in parts:
        assert np.ptp(upright(p, k)[:, 0]) < 0.3 * np.ptp(p[:, 0])
    assert abs(slant_of([s[:, :2] for s in validate_ink(number("1111")[0])])) < 0.05


def read_seen(text, slant):
    """The best reading of ``text`` written with ``slant``, and every group the scorer saw."""
    strokes, owners = number(text, slant=slant)
    ink = validate_ink(strokes)
    score, seen = oracle(ink, owners, text), []

    def recording(groups):
        seen.extend(groups)
        return score(groups)
    return strokes, segment(ink, recording)[0], seen


def test_the_scorer_sees_slanted_writing_upright():
    strokes, best, seen = read_seen("1471", slant=0.4)
    assert best.text == "1471"
    lean = lambda p: np.ptp(p[:, 0]) / np.ptp(p[:, 1])
    drawn = [lean(s) for s in (strokes[0], strokes[-1])]                # the 1s' stems
    seen_ones = [lean(g[0]) for g in seen if len(g) == 1 and len(g[0]) == len(strokes[0])]
    assert min(drawn) > 0.4 and seen_ones and max(seen_ones) < 0.5 * min(drawn)


def test_a_lone_digit_is_scored_as_drawn():
    strokes, best, seen = read_seen("7", slant=0.4)
    assert best.text == "7"
    assert np.allclose(seen[0][0], strokes[0][:, :2])


def _unsure_upright_one(ink, owners, text):
    """The oracle, except that the first stroke (a 1) set upright reads 7 (0.6) or 1 (0.35),
    and as drawn reads 1 (0.95); every batch it is given is recorded."""
    truth, calls = oracle(ink, owners, text), []
    first = _key(ink[0][:, :2])
    lean = lambda p: np.ptp(p[:, 0]) / np.ptp(p[:, 1])

    def score(groups):
        calls.append(groups)
        probs, crops = truth(groups)
        for k, g in enumerate(groups):
            if len(g) == 1 and _key(g[0]) == first:
                probs[k] = 0.0
                probs[k, [7, 1]] = (0.6, 0.35) if lean(g[0]) < 0.2 else (0.0, 0.95)
                probs[k, 10] = 1.0 - probs[k].sum()
        return probs, crops
    return score, calls


def test_a_digit_unsure_upright_is_read_again_as_drawn():
    strokes, owners = number("1470", slant=0.4)
    ink = validate_ink(strokes)
    score, calls = _unsure_upright_one(ink, owners, "1470")
    best = segment(ink, score)[0]
    assert best.text == "1470"
    assert [len(g) for g in calls[-1]] == [1]                    # only the unsure digit
    assert np.allclose(calls[-1][0][0], ink[0][:, :2])           # as drawn
    assert np.allclose(best.groups[0].probabilities[[7, 1]], [0.3, 0.65])


def test_upright_writing_is_read_once():
    strokes, owners = number("1111")
    ink = validate_ink(strokes)
    score, calls = _unsure_upright_one(ink, owners, "1111")
    assert segment(ink, score)[0].text == "7777"        # the as-drawn view is the same
    assert len(calls) == 1


def _polyline(*pts, n=400):
    pts = np.array(pts, float) * 100
    t = np.linspace(0, len(pts) - 1, n)
    return np.column_stack([np.interp(t, np.arange(len(pts)), pts[:, j]) for j in (0, 1)])


FLAT_LOOP_NINE = _polyline((0, 0), (0.6, 0.2), (0.6, 0), (0, 0.2), (0.3, 1.0))


def doubtful_seven(groups):
    probs = np.zeros((len(groups), 11))
    probs[:, [7, 9, 1, 10]] = (0.45, 0.25, 0.2, 0.1)
    return probs, [None] * len(groups)


def path_reader(digit, p, calls=None):
    """A pen-path scorer that reads ``digit`` at ``p`` (the rest shared evenly)."""
    def read(groups, crops):
        assert len(crops) == len(groups)
        if calls is not None:
            calls.append(groups)
        out = np.full((len(groups), 10), (1.0 - p) / 9)
        out[:, digit] = p
        return out
    return read


@pytest.mark.parametrize("digit, text", [(9, "9"), (1, "1"), (7, "7")])
def test_the_pen_path_reader_weighs_a_doubtful_digit(digit, text):
    calls = []
    ink = validate_ink([FLAT_LOOP_NINE])
    best = segment(ink, doubtful_seven, path_scorer=path_reader(digit, 0.9, calls))[0]
    assert best.text == text
    assert np.allclose(calls[0][0][0], ink[0][:, :2])             # as drawn, in pen order
    assert best.groups[0].probabilities[:10].sum() == pytest.approx(0.9)   # reject share kept


def test_the_pen_path_reader_is_evidence_never_a_veto():
    def sure_of_seven(groups):
        probs = np.zeros((len(groups), 11))
        probs[:, [7, 9, 10]] = (0.65, 0.0, 0.35)
        return probs, [None] * len(groups)
    ink = validate_ink([FLAT_LOOP_NINE])
    assert segment(ink, sure_of_seven, path_scorer=path_reader(9, 1.0))[0].text == "7"


def test_sure_digits_are_not_given_to_the_pen_path_reader():
    strokes, owners = number("2047")
    ink = validate_ink(strokes)
    calls = []
    assert segment(ink, oracle(ink, owners, "2047"), path_scorer=path_reader(1, 0.9, calls))[0].text == "2047"
    assert calls == []


def test_a_short_piece_cut_out_of_a_stroke_is_no_digit_on_its_own():
    from segmentation.config import DEFAULT_CONFIG
    from segmentation.grouping import _candidates

    SHORT_CUT_PENALTY = DEFAULT_CONFIG.short_cut_penalty

    flag = np.c_[np.linspace(0, 30, 6), np.linspace(30, 0, 6), np.zeros(6)]     # rises to the top
    stem = np.c_[np.full(10, 30.0), np.linspace(0, 100, 10), np.zeros(10)]
    stroke = np.vstack([flag, stem[1:]])
    pieces = [Piece(0, 0, 6, stroke[:6]), Piece(0, 5, len(stroke), stroke[5:])]
    boxes = boxes_of([p.points for p in pieces])
    cands, _, prior = _candidates(pieces, boxes, [0, 1], height=100.0)
    prior = dict(zip(cands, prior))
    assert prior[(0,)] <= -SHORT_CUT_PENALTY          # the flag alone
    assert prior[(1,)] == 0 and prior[(0, 1)] == 0     # the stem, and the whole 1

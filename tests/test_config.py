"""SegmentConfig holds every tuning constant of segmentation, and every one reaches the search."""
from dataclasses import fields

import numpy as np
import pytest
from shapes import number

import segmentation.geometry
import segmentation.grouping
import segmentation.pieces
from segmentation import SegmentConfig, segment, validate_ink

SEEN = set()


class Recording(SegmentConfig):
    """A SegmentConfig that notes each field the search reads."""

    def __getattribute__(self, name):
        if name in SegmentConfig.__dataclass_fields__:
            SEEN.add(name)
        return super().__getattribute__(name)


def _unsure(groups):
    probs = np.zeros((len(groups), 11))
    probs[:, [3, 8, 10]] = (0.5, 0.3, 0.2)
    return probs, [None] * len(groups)


def _path(groups, crops):
    return np.full((len(groups), 10), 0.1)


def test_every_field_is_read_by_a_search():
    strokes, _ = number("3081", slant=0.3)
    dot = np.array([[400.0, 50.0, 9999.0]])
    SEEN.clear()
    segment(validate_ink(strokes + [dot]), _unsure, path_scorer=_path, config=Recording(),
            text_scorer=lambda texts: np.zeros(len(texts)))
    assert SEEN == {f.name for f in fields(SegmentConfig)}


@pytest.mark.parametrize("module", [segmentation.pieces, segmentation.geometry,
                                    segmentation.grouping])
def test_no_tuning_constant_is_left_in_the_modules(module):
    numbers = {k for k, v in vars(module).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("__")}
    assert numbers <= {"NUM_DIGITS"}


def pairs_read_as_4(sure):
    """A scorer: a pair of strokes reads as a 4 with probability ``sure``, each alone as 1
    (p 0.5), the rest junk."""
    def score(groups):
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            probs[k, 4 if len(g) == 2 else 1] = sure if len(g) == 2 else 0.5
        probs[:, 10] = 1 - probs.sum(axis=1)
        return probs, [None] * len(groups)
    return score


# two 1s stand in for a 4's two strokes below, so they are not charged as two bars
LOOSE = SegmentConfig(max_gap=2.0, gap_penalty=0.0, widest=5.0, max_width=5.0, bars_penalty=0.0)


def test_the_config_changes_the_reading():
    ink = validate_ink(number("11", gap=0.6)[0])
    assert segment(ink, pairs_read_as_4(0.99))[0].text == "11"    # too far apart to be one digit
    assert segment(ink, pairs_read_as_4(0.99), config=LOOSE)[0].text == "4"


def test_a_clear_gap_costs_a_merge_its_penalty():
    ink, likely_4 = validate_ink(number("11", gap=0.3)[0]), pairs_read_as_4(0.9)
    assert segment(ink, likely_4, config=LOOSE)[0].text == "4"
    assert segment(ink, likely_4,
                   config=LOOSE.with_values(clear_gap_penalty=8.0))[0].text == "11"
    # a gap narrower than clear_gap is not a clear one
    assert segment(ink, likely_4, config=LOOSE.with_values(
        clear_gap_penalty=8.0, clear_gap=5.0))[0].text == "4"


def pairs_read_as_1(sure):
    """A scorer: a pair of strokes reads as one 1 with probability ``sure``, each alone as a
    1 (p 0.6), the rest junk (what a CNN sees of two 1s written close: one thick 1)."""
    def score(groups):
        probs = np.zeros((len(groups), 11))
        probs[:, 1] = [sure if len(g) == 2 else 0.6 for g in groups]
        probs[:, 10] = 1 - probs[:, 1]
        return probs, [None] * len(groups)
    return score


def test_two_bars_side_by_side_read_as_two_1s():
    ink = validate_ink(number("11", gap=0.02)[0])        # all but touching
    likely_one = pairs_read_as_1(0.95)
    assert segment(ink, likely_one, config=SegmentConfig(bars_penalty=0.0))[0].text == "1"
    assert segment(ink, likely_one, config=SegmentConfig(bars_penalty=3.0))[0].text == "11"
    # bars this short are no 1s' stems, so nothing is charged
    assert segment(ink, likely_one, config=SegmentConfig(bars_penalty=3.0,
                                                         strokes_tall=1.5))[0].text == "1"


def _bar_priors(strokes, config):
    from segmentation.geometry import boxes_of
    from segmentation.grouping import _candidates
    from segmentation.pieces import Piece

    pieces = [Piece(i, 0, len(s), s) for i, s in enumerate(strokes)]
    boxes = boxes_of([p.points for p in pieces])
    order = sorted(range(len(pieces)), key=lambda i: (boxes[i, 0] + boxes[i, 2], i))
    cands, _, prior = _candidates(pieces, boxes, order, 100.0, config)
    return dict(zip(cands, prior))


def test_only_groups_of_two_whole_bars_pay_for_them():
    from shapes import digit

    config = LOOSE.with_values(bars_penalty=5.0)
    assert _bar_priors(digit("4"), config)[(0, 1)] == 0          # an L and a bar: a 4
    eleven = [s[:, :2] for s in number("11", gap=0.05)[0]]
    assert _bar_priors(eleven, config)[(0, 1)] == -5.0
    # a narrow 0 cut into its two halves: bars, but pieces of one stroke, not strokes
    from segmentation.geometry import boxes_of
    from segmentation.grouping import _candidates
    from segmentation.pieces import Piece

    zero = digit("0", h=100.0)[0][:, :2] * [0.4, 1.0]
    pieces = [Piece(0, 0, 21, zero[:21]), Piece(0, 20, len(zero), zero[20:])]
    cands, _, prior = _candidates(pieces, boxes_of([p.points for p in pieces]), [0, 1],
                                  100.0, config)
    assert dict(zip(cands, prior))[(0, 1)] == 0


def _line(x0, y0, x1, y1, n=20):
    return np.c_[np.linspace(x0, x1, n), np.linspace(y0, y1, n)]


def test_a_pen_path_climbing_straight_up_is_a_link():
    from segmentation.grouping import climbs

    up = _line(0, 100, 30, 10)                        # rises 0.9 of the height (y down)
    assert climbs(up, 100.0)
    assert not climbs(up[::-1], 100.0)                 # drawn down, as a 1 is
    assert not climbs(_line(0, 100, 30, 70), 100.0)    # rises 0.3 only
    a = np.linspace(np.pi, 1.5 * np.pi, 30)             # a quarter circle up: 1.11x its chord
    arc = np.c_[50 + 80 * np.cos(a), 80 + 80 * np.sin(a)]
    assert climbs(arc, 100.0)
    assert not climbs(arc, 100.0, SegmentConfig(link_straight=1.1))
    a = np.linspace(np.pi, 2 * np.pi, 30)               # a half circle: 1.57x its chord
    assert not climbs(np.c_[50 + 50 * np.cos(a), 100 + 100 * np.sin(a)], 100.0)


def test_only_a_climbing_piece_cut_from_a_stroke_pays_alone():
    from segmentation.geometry import boxes_of
    from segmentation.grouping import _candidates
    from segmentation.pieces import Piece

    foot, link, top = _line(0, 0, 0, 100), _line(0, 100, 40, 5), _line(40, 5, 90, 5)
    # one stroke: a digit's stem down, the pen's way up to the next digit, its top bar
    pieces = [Piece(0, 0, 20, foot), Piece(0, 19, 39, link), Piece(0, 38, 58, top)]
    config = LOOSE.with_values(link_penalty=2.5, min_cut_height=0.0)
    cands, _, prior = _candidates(pieces, boxes_of([p.points for p in pieces]), [0, 1, 2],
                                  100.0, config)
    prior = dict(zip(cands, prior))
    assert prior[(1,)] == -2.5                          # the link alone
    assert prior[(0,)] == prior[(0, 1)] == prior[(1, 2)] == 0
    whole = [Piece(0, 0, len(link), link)]               # a whole stroke drawn up: ink meant
    cands, _, prior = _candidates(whole, boxes_of([link]), [0], 100.0, config)
    assert dict(zip(cands, prior))[(0,)] == 0


def test_with_values_refuses_unknown_names():
    assert SegmentConfig().with_values(doubt=0.5).doubt == 0.5
    with pytest.raises(ValueError, match="no_such"):
        SegmentConfig().with_values(no_such=1)

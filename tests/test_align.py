"""Forced alignment, checked with fake scorers: the grouping that reads exactly a text.

The scorers here read a group by where its ink lies: a group that covers one true
digit's cell (and nothing more) reads as that digit, one that covers the whole drawing
reads as ``whole``, anything else as junk. With ``whole`` likelier than the digits,
``segment`` reads a merge; the alignment to the true text must still find the digits.
"""
import numpy as np
import pytest
from shapes import digit, number

from segmentation import segment, validate_ink
from segmentation import SegmentConfig
from segmentation.align import force_align
from segmentation.geometry import slant_of, upright
from segmentation.pieces import digit_height


def upright_x(ink):
    """x of each stroke in the frame the scorer sees: the writing's slant removed (as
    the search does, for ink wider than a lone digit)."""
    height = digit_height(ink)
    wide = np.ptp(np.concatenate([s[:, 0] for s in ink])) >= SegmentConfig().slant_min_width * height
    slant = slant_of(ink) if wide else 0.0
    return [upright(s, slant)[:, 0] for s in ink]


def cells_of(ink, owners):
    """(x0, x1) of each true digit's ink, upright."""
    xs = upright_x(ink)
    return [(min(xs[i].min() for i in o), max(xs[i].max() for i in o)) for o in owners]


def cell_scorer(cells, text, p_digit=0.3, merged=None, p_merged=0.95):
    """A scorer reading a group as the digit whose cell it fills (``p_digit``, the rest
    junk); with ``merged=(i, j, label)``, a group filling cells i..j reads as ``label``
    (``p_merged``)."""
    def fills(x0, x1, a, b):
        return x0 >= a - 5 and x1 <= b + 5 and x1 - x0 >= 0.6 * (b - a)

    def score(groups):
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            pts = np.concatenate(g)
            x0, x1 = pts[:, 0].min(), pts[:, 0].max()
            hit = [j for j, (a, b) in enumerate(cells) if fills(x0, x1, a, b)]
            if merged and fills(x0, x1, cells[merged[0]][0], cells[merged[1]][1]) and \
                    x0 <= cells[merged[0]][1] and x1 >= cells[merged[1]][0]:
                probs[k, int(merged[2])] = p_merged
            elif hit:
                probs[k, int(text[hit[0]])] = p_digit
            probs[k, 10] = 1.0 - probs[k].sum()
        return probs, [f"crop {k}" for k in range(len(groups))]
    return score


def test_reads_the_text_with_the_true_strokes():
    strokes, owners = number("4571")
    ink = validate_ink(strokes)
    got = force_align(ink, cell_scorer(cells_of(ink, owners), "4571"), "4571")
    assert [d.label for d in got.digits] == [4, 5, 7, 1]
    assert [d.strokes for d in got.digits] == owners
    assert got.digits[0].crop is not None and got.digits[0].probabilities.shape == (11,)


def test_a_merge_read_as_one_digit_aligns_to_two():
    strokes, owners = number("471", gap=0.15)
    ink = validate_ink(strokes)
    scorer = cell_scorer(cells_of(ink, owners), "471", merged=(1, 2, 8))
    assert segment(ink, scorer)[0].text == "48"          # the reading merged "71"
    got = force_align(ink, scorer, "471")
    assert [d.label for d in got.digits] == [4, 7, 1]
    assert [d.strokes for d in got.digits] == owners
    # and the merged reading is what "48" aligns to
    assert [d.strokes for d in force_align(ink, scorer, "48").digits] == [[0, 1], [2, 3]]


def test_two_digits_in_one_stroke_align_by_cutting_it():
    a, b = digit("0")[0], digit("0", x=78)[0]
    b[:, 2] += a[-1, 2] + 10
    ink = validate_ink([np.vstack([a, b])])
    x = upright_x(ink)[0]
    cells = [(x[:len(a)].min(), x[:len(a)].max()), (x[len(a):].min(), x[len(a):].max())]
    scorer = cell_scorer(cells, "00", merged=(0, 1, 8), p_merged=0.9)
    assert segment(ink, scorer)[0].text == "8"
    got = force_align(ink, scorer, "00")
    assert [d.label for d in got.digits] == [0, 0]
    assert [d.strokes for d in got.digits] == [[0], [0]]
    left, right = (d.bbox for d in got.digits)
    assert left[2] < right[2] and left[0] < right[0]


def test_a_digit_read_as_two_aligns_to_one():
    # a 4's two strokes each read as a 1, the whole as a doubtful 4 (too doubtful for its
    # crossing strokes to hold it together)
    strokes = digit("4")
    ink = validate_ink(strokes)

    def score(groups):
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            if len(g) == 1:
                probs[k, 1] = 0.95
            else:
                probs[k, 4] = 0.01
            probs[k, 10] = 1 - probs[k].sum()
        return probs, [None] * len(groups)
    assert segment(ink, score)[0].text == "11"
    got = force_align(ink, score, "4")
    assert [(d.label, d.strokes) for d in got.digits] == [(4, [0, 1])]


def test_the_text_decides_the_grouping_in_reading_order():
    # strokes drawn right digit first: labels still go left to right
    strokes, owners = number("71")
    ink = validate_ink(strokes[::-1])
    got = force_align(ink, cell_scorer(cells_of(ink, [[1], [0]]), "71"), "71")
    assert [(d.label, d.strokes) for d in got.digits] == [(7, [1]), (1, [0])]


@pytest.mark.parametrize("text", ["111", "11"])
def test_no_grouping_reads_more_digits_than_the_ink_can_hold(text):
    one = digit("1")                   # a straight stroke: nowhere to cut it
    assert force_align(validate_ink(one), cell_scorer([(0, 60)], "1"), text) is None


def test_empty_ink_aligns_to_nothing():
    assert force_align(validate_ink([]), cell_scorer([(0, 1)], "1"), "1") is None


@pytest.mark.parametrize("text", ["", "4a", "٣", None, 45])
def test_the_text_must_be_digits(text):
    with pytest.raises(ValueError, match="digits"):
        force_align(validate_ink(digit("4")), cell_scorer([(0, 60)], "4"), text)


def test_a_smaller_beam_still_finds_a_simple_alignment():
    strokes, owners = number("2047")
    ink = validate_ink(strokes)
    got = force_align(ink, cell_scorer(cells_of(ink, owners), "2047"), "2047",
                      SegmentConfig(beam=4))
    assert [d.strokes for d in got.digits] == owners

"""Training crops from pen ink: digit variants and junk keep their promises."""
import numpy as np
import pytest

from recognizer.constants import JUNK
from training.pen_data import (add_ligature, add_slash, device_variant, pair_ink, render_junk,
                               thin_out)
from training.pendigits import PenDigit
from tests.shapes import digit


def pen(label):
    return PenDigit(label=label, writer=1, strokes=[np.asarray(s, float) for s in digit(str(label))])


def test_a_ligature_adds_ink_to_one_end_only():
    rng = np.random.default_rng(0)
    for _ in range(20):
        strokes = [s[:, :2] for s in pen(3).strokes]
        out = add_ligature(strokes, rng)
        assert len(out) == len(strokes)
        grown = [len(a) - len(b) for a, b in zip(out, strokes)]
        assert sum(g > 0 for g in grown) == 1


def test_a_slash_crosses_the_zero_from_corner_to_corner():
    zero = [s[:, :2] for s in pen(0).strokes]
    out = add_slash(zero, np.random.default_rng(1))
    assert len(out) == len(zero) + 1
    lo, hi = np.concatenate(zero).min(0), np.concatenate(zero).max(0)
    slash = out[-1]
    assert np.ptp(slash[:, 0]) >= 0.99 * (hi - lo)[0]
    assert np.ptp(slash[:, 1]) >= 0.99 * (hi - lo)[1]


def test_joined_pairs_have_one_stroke_fewer():
    rng = np.random.default_rng(2)
    a, b = pen(2).strokes, pen(3).strokes
    joined = pair_ink(a, b, rng, join=1.0)
    apart = pair_ink(a, b, rng, join=0.0)
    assert len(joined) == len(a) + len(b) - 1
    assert len(apart) == len(a) + len(b)


@pytest.mark.parametrize("seed", [0, 1])
def test_junk_is_reproducible_and_labelled_junk(seed):
    digits = [pen(k) for k in range(10)] * 3
    x1, y1 = render_junk(digits, 40, seed)
    x2, _ = render_junk(digits, 40, seed)
    assert x1.shape == (40, 28, 28) and x1.dtype == np.uint8
    assert np.array_equal(x1, x2)
    assert (y1 == JUNK).all()
    assert (x1.reshape(40, -1).max(axis=1) > 0).all()


def test_a_flag_rises_to_the_top_of_a_one():
    one = [s[:, :2] for s in pen(1).strokes]
    flagged = add_ligature(one, np.random.default_rng(4), lead_in=True, angle=(30.0, 70.0))
    start, top = flagged[0][0], one[0][0]
    assert start[0] < top[0] and start[1] > top[1]     # from lower left, y down
    assert np.array_equal(flagged[0][-len(one[0]):], one[0])


def test_thinned_out_ink_keeps_every_kth_point_and_both_ends():
    strokes = [np.arange(20.0).reshape(10, 2), np.zeros((2, 2))]
    thin = thin_out(strokes, 3)
    assert [len(s) for s in thin] == [4, 2]          # points 0, 3, 6 and 9
    assert np.array_equal(thin[0][[0, -1]], strokes[0][[0, -1]])
    assert np.array_equal(thin[0][1], strokes[0][3])


def test_device_variants_thin_out_or_snap_to_a_grid():
    stroke = np.column_stack([np.linspace(0, 30, 61), np.linspace(0, 100, 61)])
    thin = device_variant([stroke], np.random.default_rng(0), coarse=1.0, quantised=0.0)[0]
    assert len(thin) in {(61 - 2) // k + 2 for k in (2, 3, 4)}
    assert np.array_equal(thin[[0, -1]], stroke[[0, -1]])
    snapped = device_variant([stroke], np.random.default_rng(1), coarse=0.0, quantised=1.0)[0]
    cell = np.diff(np.unique(snapped[:, 1])).min()
    assert 100 / 30 <= cell * (1 + 1e-9) and cell <= 100 / 8 * (1 + 1e-9)   # GRID_UNITS
    assert np.allclose(snapped / cell, np.round(snapped / cell))
    assert not np.any(np.all(np.diff(snapped, axis=0) == 0, axis=1))      # no repeated point
    same = device_variant([stroke], np.random.default_rng(2), coarse=0.0, quantised=0.0)[0]
    assert np.array_equal(same, stroke)

"""training.bars counts the strokes segmentation calls bars (tall, narrow, whole strokes)."""
from types import SimpleNamespace

from shapes import digit, number

from training.bars import bars, census


def test_a_1_is_one_bar_and_a_4_has_one():
    assert bars(digit("1"), 0.7, 0.3) == 1
    assert bars(digit("4"), 0.7, 0.3) == 1          # its stem; the L is wide
    assert bars(digit("0"), 0.7, 0.3) == 0
    assert bars(digit("1", slant=0.4), 0.7, 0.3) == 1   # set upright before measuring


def test_two_close_1s_are_two_bars_and_are_counted_by_label():
    eleven = number("11", gap=0.05)[0]
    assert bars(eleven, 0.7, 0.3) == 2
    digits = [SimpleNamespace(strokes=eleven, label=4), SimpleNamespace(strokes=digit("4"), label=4),
              SimpleNamespace(strokes=digit("1"), label=1), SimpleNamespace(strokes=digit("7"), label=1)]
    multi, two_bars, ones, one_bars = census(digits, 0.7, 0.3)
    assert (multi, dict(two_bars), ones, one_bars) == (2, {4: 1}, 2, 1)

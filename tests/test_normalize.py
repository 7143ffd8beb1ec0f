"""MNIST-faithful normalisation: 20 px box, aspect kept, centre of mass at the centre."""
import os

import numpy as np
import pytest
from shapes import digit

from recognizer.normalize import normalize_crop, normalize_many
from recognizer.threads import helpers


def _ink_box(img, level=128):
    ys, xs = np.nonzero(img > level)
    return xs.min(), ys.min(), xs.max(), ys.max()


def _centre_of_mass(img):
    ys, xs = np.mgrid[:28, :28]
    m = img.astype(float)
    return (xs * m).sum() / m.sum(), (ys * m).sum() / m.sum()


@pytest.mark.parametrize("d", list("0123456789"))
def test_crop_is_28x28_uint8_centred_with_longer_side_near_20(d):
    img = normalize_crop(digit(d))
    assert img.shape == (28, 28) and img.dtype == np.uint8 and img.max() > 200
    x0, y0, x1, y1 = _ink_box(img)
    assert 19 <= max(x1 - x0, y1 - y0) + 1 <= 21  # at half intensity
    cx, cy = _centre_of_mass(img)
    assert abs(cx - 13.5) < 0.6 and abs(cy - 13.5) < 0.6


def test_a_one_stays_thin():
    x0, _, x1, _ = _ink_box(normalize_crop(digit("1")))
    assert x1 - x0 + 1 <= 6


def test_zero_width_one_and_a_single_dot_do_not_fail():
    line = np.array([[10.0, 0.0], [10.0, 50.0]])
    assert _ink_box(normalize_crop([line]))[2] - _ink_box(normalize_crop([line]))[0] <= 4
    dot = normalize_crop([np.array([[3.0, 4.0]])])
    assert dot.max() > 0 and abs(_centre_of_mass(dot)[0] - 13.5) < 0.6


def test_scale_and_offset_do_not_change_the_crop():
    a = normalize_crop(digit("5", h=40))
    b = normalize_crop(digit("5", x=3000, y=-700, h=900))
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 3


def test_input_is_not_modified_and_empty_gives_black():
    ink = digit("8")
    before = [s.copy() for s in ink]
    normalize_crop(ink)
    assert all(np.array_equal(a, b) for a, b in zip(ink, before))
    assert normalize_crop([]).max() == 0
    assert normalize_many([digit("1"), digit("7")]).shape == (2, 28, 28)


def _groups():
    """Twelve groups of strokes: every digit, a dot, and no ink at all."""
    return [digit(d, h=30 + 7 * i) for i, d in enumerate("0123456789")] + [
        [np.array([[3.0, 4.0]])], []]


def test_many_crops_are_the_bytes_of_each_crop_drawn_alone(monkeypatch):
    groups = _groups()
    each = np.stack([normalize_crop(g) for g in groups])
    assert np.array_equal(normalize_many(groups), each)           # a helper draws half
    monkeypatch.setenv("INKDIGITS_THREADS", "1")
    assert helpers() is None
    assert np.array_equal(normalize_many(groups), each)           # the caller draws all
    assert normalize_many([]).shape == (0, 28, 28)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_draws_with_a_pool_of_its_own(monkeypatch):
    monkeypatch.setenv("INKDIGITS_THREADS", "2")
    groups = _groups()
    parents = helpers()
    expected = normalize_many(groups)           # the parent's helper thread has started
    pid = os.fork()
    if pid == 0:                                # the child: its parent's thread is gone
        ok = helpers() is not parents and np.array_equal(normalize_many(groups), expected)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0

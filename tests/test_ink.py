"""Ink validation: what the library accepts, and the clear errors for what it does not."""
import numpy as np
import pytest

from segmentation import InkLimits, InvalidInk, validate_ink


def test_points_without_time_get_increasing_time_across_strokes():
    ink = validate_ink([[[0, 0], [1, 1]], [[5, 5], [6, 6], [7, 7]]])
    assert [s.shape for s in ink] == [(2, 3), (3, 3)]
    t = np.concatenate([s[:, 2] for s in ink])
    assert np.all(np.diff(t) > 0)


def test_time_is_kept_and_numpy_input_is_not_modified():
    a = np.array([[0.0, 0.0, 5.0], [1.0, 2.0, 9.0]])
    before = a.copy()
    ink = validate_ink([a])
    assert np.array_equal(ink[0], before)
    ink[0][0, 0] = 99
    assert np.array_equal(a, before)


def test_empty_drawing_and_empty_strokes():
    assert validate_ink([]) == []
    ink = validate_ink([[], [[1, 2]]])
    assert [s.shape for s in ink] == [(0, 3), (1, 3)]  # indices still name the caller's strokes


@pytest.mark.parametrize("bad, where", [
    ("12", "list of strokes"),
    ({"x": 1}, "list of strokes"),
    (5, "list of strokes"),
    ([5], "stroke 0"),
    ([[[1, 2], [3]]], "stroke 0, point 1"),
    ([[[1, 2, 3, 4]]], "stroke 0, point 0"),
    ([[[0, 0]], [[1, "a"]]], "stroke 1, point 0"),
    ([[[0, 0]], [[1, None]]], "stroke 1, point 0"),
    ([[[0, 0], [1, float("nan")]]], "stroke 0, point 1"),
    ([[[0, 0], [float("inf"), 1]]], "stroke 0, point 1"),
    ([[[0, 0], [1, 1, 2]]], "stroke 0"),
    ([[[True, 1]]], "stroke 0, point 0"),
    ([[[0, 0], [1e12, 0]]], "stroke 0, point 1"),
    ([[[10 ** 400, 1]]], "stroke 0"),
])
def test_malformed_ink_names_stroke_and_point(bad, where):
    with pytest.raises(InvalidInk, match=where):
        validate_ink(bad)


def test_invalid_ink_is_a_value_error():
    assert issubclass(InvalidInk, ValueError)


def test_limits_on_strokes_and_points():
    with pytest.raises(InvalidInk, match="too many strokes"):
        validate_ink([[[0, 0]]] * 4, InkLimits(max_strokes=3))
    with pytest.raises(InvalidInk, match="too many points"):
        validate_ink([[[0, 0]] * 6, [[0, 0]] * 6], InkLimits(max_points=10))

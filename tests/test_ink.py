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


class _BadFloat(float):
    def __float__(self):
        raise RuntimeError("no")


def _nested(depth):
    p = 1.0
    for _ in range(depth):
        p = [p]
    return p


# Issue 13, item 5: every bad ink is an InvalidInk naming where it is, numpy arrays of
# non-real dtypes and masked arrays are refused, and nothing recurses into deep nesting.
@pytest.mark.parametrize("bad, where", [
    (np.array(5.0), "strokes must be a list"),                                  # 0-d array
    ([np.array(5.0)], "stroke 0 must be a list"),
    ([[np.array(5.0), [1, 2]]], "stroke 0, point 0"),
    ([[_nested(5000), [1, 2]]], "stroke 0, point 0"),                           # deep nesting
    ([[[_nested(5000), 1]]], "stroke 0, point 0"),
    ([[[_BadFloat(1.0), 2.0]]], "stroke 0, point 0"),                           # __float__ raises
    ([np.array([[True, False], [True, True]])], "bool"),
    ([np.array([["1", "2"]])], "<U1"),
    ([np.array([[1 + 2j, 3]])], "complex"),
    ([np.array([["2026-12-02", "2026-12-03"]], dtype="datetime64[D]")], "datetime64"),
    ([np.array([[1, 2]], dtype="timedelta64[s]")], "timedelta64"),
    ([np.array([[object(), 2]], dtype=object)], "stroke 0, point 0"),
    ([np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 0], [1, 0]])], "masked"),
    (np.ma.masked_array(np.zeros((1, 2, 2))), "masked"),
    ([[np.bool_(True), 1.0]], "stroke 0"),
    ([[[np.bool_(True), 1.0]]], "stroke 0, point 0"),
    ([[[1.0, 2.0], np.array([[1.0, 2.0]])]], "stroke 0, point 1"),
    ([(p for p in [[1, 2]])], "stroke 0 must be a list"),                       # a generator
    ([[[1, 2], [1, 2, 3]]], "stroke 0: points must all be"),
    ([[[10 ** 400, 1.0], [0, 0]]], "stroke 0, point 0"),
])
def test_bad_ink_of_any_type_is_invalid_ink_naming_where(bad, where):
    with pytest.raises(InvalidInk, match=where):
        validate_ink(bad)


def test_numpy_reals_of_any_width_and_object_arrays_of_numbers_are_ink():
    want = validate_ink([[[1.0, 2.0], [3.0, 4.0]]])
    for stroke in (np.array([[1, 2], [3, 4]], np.int16), np.array([[1, 2], [3, 4]], np.uint8),
                   np.array([[1, 2], [3, 4]], np.float32), np.array([[1, 2], [3, 4]], object),
                   [np.array([1.0, 2.0]), (3, 4)], [[np.int64(1), np.float32(2)], [3, 4]]):
        got = validate_ink([stroke])
        assert np.array_equal(got[0], want[0]), stroke
    assert [s.shape for s in validate_ink(np.zeros((2, 3, 2)))] == [(3, 3), (3, 3)]

"""The library contract on the shipped model: hand-made hard cases, properties, JSON."""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapes import digit, number

from recognizer import InvalidInk, NumberRecognizer, result_to_dict
from recognizer.classifier import SHIPPED_MODEL

pytestmark = pytest.mark.skipif(not Path(SHIPPED_MODEL).is_file(),
                                reason=f"no shipped model at {SHIPPED_MODEL}")


@pytest.fixture(scope="module")
def rec():
    return NumberRecognizer.load()


def test_empty_drawing_reads_nothing(rec):
    res = rec.recognize([])
    assert res.text == "" and res.digits == [] and res.alternatives == []


def test_a_dot_is_not_a_digit(rec):
    assert rec.recognize([[[10, 10]]]).text == ""
    strokes, _ = number("7")
    assert rec.recognize(strokes + [np.array([[300.0, 40.0, 5000.0]])]).text == "7"


@pytest.mark.parametrize("text", ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
def test_each_hand_made_digit(rec, text):
    strokes, owners = number(text)
    res = rec.recognize(strokes)
    assert res.text == text
    assert res.digits[0].strokes == owners[0]


def test_result_fields(rec):
    strokes, owners = number("2047")
    res = rec.recognize(strokes)
    assert res.text == "2047"
    assert [d.label for d in res.digits] == [2, 0, 4, 7]
    assert [d.strokes for d in res.digits] == owners
    for d in res.digits:
        assert len(d.probabilities) == 10 and d.confidence == max(d.probabilities)
        assert d.crop.shape == (28, 28) and d.crop.dtype == np.uint8
        x0, y0, x1, y1 = d.bbox
        assert x0 <= x1 and y0 <= y1
    assert 1 <= len(res.alternatives) <= 5
    assert all(a.text != res.text for a in res.alternatives)
    assert [a.score for a in res.alternatives] == sorted((a.score for a in res.alternatives),
                                                         reverse=True)


def test_multi_stroke_4_5_and_crossed_7_stay_whole(rec):
    strokes, owners = number("457")
    strokes.append(np.array([[2 * 100 * 0.85 + 8, 52, 9000], [2 * 100 * 0.85 + 52, 48, 9100]]))
    res = rec.recognize(strokes)
    assert res.text == "457"
    assert res.digits[2].strokes == owners[2] + [len(strokes) - 1]


def test_cross_of_a_7_drawn_after_the_next_digit(rec):
    seven, one = digit("7"), digit("1", x=85)
    bar = np.array([[8.0, 52, 5000], [50.0, 48, 5100]])
    res = rec.recognize(seven + one + [bar])
    assert res.text == "71"
    assert res.digits[0].strokes == [0, 2]


def test_closing_a_4_after_the_next_digit(rec):
    four, one = digit("4"), digit("1", x=85)
    res = rec.recognize([four[0]] + one + [four[1]])
    assert res.text == "41"
    assert res.digits[0].strokes == [0, 2]


def test_overlapping_boxes_from_slanted_tight_writing(rec):
    strokes, _ = number("3141", gap=0.0, slant=0.3)
    assert rec.recognize(strokes).text == "3141"


def test_two_zeros_written_without_lifting_the_pen(rec):
    a, b = digit("0")[0], digit("0", x=78)[0]
    b[:, 2] += a[-1, 2] + 10
    assert rec.recognize([np.vstack([a, b])]).text == "00"


def test_twelve_digits(rec):
    strokes, _ = number("907856341212")
    assert rec.recognize(strokes).text == "907856341212"


def test_mixed_sizes_and_a_lone_one_beside_a_zero(rec):
    ink = digit("1", x=0, h=50) + digit("0", x=35, h=150) + digit("3", x=170, h=90)
    assert rec.recognize(ink).text == "103"
    assert rec.recognize(digit("1") + digit("0", x=45)).text == "10"


@pytest.mark.parametrize("scale", [0.2, 1.0, 6.0])
def test_same_digit_at_nine_positions_and_three_scales(rec, scale):
    for dx in (-5000, 0, 12345):
        for dy in (-300, 0, 40000):
            ink = [np.c_[s[:, :2] * scale + (dx, dy), s[:, 2]] for s in digit("5")]
            assert rec.recognize(ink).text == "5"


def test_ink_and_result_round_trip_through_json(rec):
    strokes, _ = number("58")
    payload = json.dumps({"strokes": [s.tolist() for s in strokes]})
    again = rec.recognize(json.loads(payload)["strokes"])
    assert again.text == rec.recognize(strokes).text == "58"
    as_json = json.loads(json.dumps(result_to_dict(again, crops=True)))
    assert as_json["text"] == "58" and len(as_json["digits"]) == 2
    assert set(as_json["digits"][0]) == {"label", "confidence", "probabilities", "bbox",
                                         "strokes", "crop_png"}


@pytest.mark.parametrize("bad", [[[[0, 0], [1, float("nan")]]], [[[0, 0, 0, 0]]], "abc",
                                 [[["x", 1]]]])
def test_invalid_ink_raises_our_error(rec, bad):
    with pytest.raises(InvalidInk):
        rec.recognize(bad)


def test_ink_too_complex_to_search_is_invalid_ink_and_fast(rec):
    import time

    pile = [[[100.0 + i % 3, 100.0], [102.0, 103.0 + i % 5]] for i in range(1000)]
    start = time.perf_counter()
    with pytest.raises(InvalidInk, match="^too complex: "):
        rec.recognize(pile)
    assert time.perf_counter() - start < 10     # a guard against a grind, not a benchmark


def test_a_deadline_or_a_cancelled_caller_stops_recognition(rec):
    import time

    from recognizer import RecognitionStopped

    strokes, _ = number("2047")
    with pytest.raises(RecognitionStopped, match="deadline"):
        rec.recognize(strokes, deadline=time.monotonic() - 0.001)
    with pytest.raises(RecognitionStopped, match="cancelled"):
        rec.recognize(strokes, cancelled=lambda: True)
    later = rec.recognize(strokes, deadline=time.monotonic() + 60, cancelled=lambda: False)
    assert later.text == rec.recognize(strokes).text == "2047"


_point = st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4))
_stroke = st.lists(_point, min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_stroke, min_size=0, max_size=10))
def test_never_crashes_on_random_ink_and_uses_every_stroke(rec, strokes):
    from segmentation.pieces import digit_height, find_specks
    from segmentation import validate_ink

    res = rec.recognize(strokes)
    assert len(res.text) == len(res.digits)
    ink = validate_ink(strokes)
    specks = set(find_specks(ink, digit_height(ink)))
    used = [i for d in res.digits for i in d.strokes]
    # every non-speck stroke is used; only a stroke cut into pieces is used twice
    assert set(used) == set(range(len(strokes))) - specks
    assert all(0 <= i < len(strokes) for i in used)


def test_the_pen_path_reader_reads_held_out_digits_the_crop_cannot(rec, pen_data_dir):
    """Writer 28's 9s with a flat loop are 7s in the crop; the pen went round the loop."""
    from training.pendigits import load_pendigits

    digits = [d for d in load_pendigits(pen_data_dir) if d.writer == 28]
    alone = NumberRecognizer.load(path_model=False)
    right = lambda r: sum(r.recognize(d.strokes).text == str(d.label) for d in digits)  # noqa: E731
    with_reader, without = right(rec), right(alone)
    assert with_reader > without
    assert with_reader >= len(digits) - 2

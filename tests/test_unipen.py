"""The UNIPEN reader: millimetres, y up -> canvas ink at pendigits' scale; defects dropped."""
import gzip
import io
import json

import numpy as np
import pytest

from training.data import DataError
from training.pendigits import PEN_UP_MS, SAMPLE_MS
from training.unipen import PEN_DIGIT_HEIGHT, defect, digits_from_records, load_unipen, parse_records

SEVEN = [[[0.0, 10.0], [3.0, 10.0], [6.0, 10.0]], [[6.0, 10.0], [4.0, 5.0], [2.0, 0.0]]]
ZERO = [[[2.0, 0.0], [4.0, 2.0], [4.0, 8.0], [2.0, 10.0], [0.0, 8.0], [0.0, 2.0], [2.0, 0.0]]]


def line(strokes, label=7, writer="inst:w1", pps=200, contributor="ins"):
    return json.dumps({"label": label, "writer": writer, "contributor": contributor,
                       "device": "Tablet T", "points_per_second": pps, "quality": "OK",
                       "strokes": strokes})


def shifted(strokes, dx):
    return [[[x + dx, y] for x, y in s] for s in strokes]


def scaled(strokes, k):
    return [[[x * k, y * k] for x, y in s] for s in strokes]


def read(*lines):
    return digits_from_records(parse_records(lines))


def test_y_is_flipped_so_a_sevens_bar_is_at_the_top():
    (seven,), _ = read(line(SEVEN))
    bar, stem = seven.strokes
    assert np.allclose(bar[:, 1], 0.0)                  # y down: the bar is the top edge
    assert stem[-1, 1] == pytest.approx(PEN_DIGIT_HEIGHT)   # the foot is at the bottom
    assert stem[-1, 0] < bar[-1, 0]                     # the stem still runs down to the left
    assert np.concatenate(seven.strokes)[:, :2].min(axis=0) == pytest.approx([0.0, 0.0])


def test_scaled_so_the_writers_median_height_is_the_pen_digit_height():
    digits, _ = read(line(ZERO), line(scaled(ZERO, 1.5)), line(scaled(ZERO, 2.0)),
                     line(ZERO, writer="inst:other"))
    heights = [np.ptp(np.concatenate(d.strokes)[:, 1]) for d in digits]
    # writer w1's heights are 10, 15 and 20 mm: median 15 mm -> PEN_DIGIT_HEIGHT
    k = PEN_DIGIT_HEIGHT / 15.0
    assert heights == pytest.approx([10 * k, 15 * k, 20 * k, PEN_DIGIT_HEIGHT])
    widths = [np.ptp(np.concatenate(d.strokes)[:, 0]) for d in digits]
    assert widths[0] == pytest.approx(4 * k)            # one scale for x and y


@pytest.mark.parametrize("pps, step", [(200, 5.0), (60, 1000 / 60), (None, SAMPLE_MS)])
def test_points_get_times_from_the_sampling_rate(pps, step):
    (seven,), _ = read(line(SEVEN, pps=pps))
    bar, stem = seven.strokes
    assert np.allclose(np.diff(bar[:, 2]), step) and np.allclose(np.diff(stem[:, 2]), step)
    assert bar[0, 2] == 0.0 and stem[0, 2] - bar[-1, 2] == pytest.approx(PEN_UP_MS)


def test_the_digit_keeps_its_label_writer_contributor_and_device():
    (d,), _ = read(line(ZERO, label=0, writer="uqb:pe", contributor="uqb"))
    assert (d.label, d.writer, d.contributor, d.device) == (0, "uqb:pe", "uqb", "Tablet T")


ONE = [[[1.0, 0.0], [1.0, 5.0], [1.0, 10.0]]]
DEFECTS = {
    "no ink": [[[1.0, 1.0]]],
    "oversized": [[[0.0, 0.0], [40.0, 0.0]], [[0.0, 5.0], [0.0, 10.0]]],   # a jump 4x away
    "stray stroke": ONE + [[[8.0, 5.0], [8.5, 5.0]]],          # a tick of the next box
    "several digits": ZERO + shifted(ZERO, 6.0),               # "00" in one box
}


@pytest.mark.parametrize("kind", list(DEFECTS))
def test_each_defect_is_dropped_and_counted(kind):
    good = [line(ZERO, label=0)] * 3
    digits, dropped = read(*good, line(DEFECTS[kind]))
    assert len(digits) == 3 and dropped == {kind: 1}


@pytest.mark.parametrize("name, strokes", [
    ("a 4 as an L and a separate stem", [[[0.0, 10.0], [0.0, 4.0], [4.0, 4.0]],
                                         [[5.5, 12.0], [5.5, 0.0]]]),
    ("a 5 with its bar a little apart", [[[1.0, 10.0], [1.0, 6.0], [4.0, 4.0], [1.0, 0.0]],
                                         [[2.0, 11.5], [5.0, 11.5]]]),
    ("a 7 with its short cross", SEVEN + [[[2.5, 5.0], [5.0, 5.0]]]),
])
def test_genuine_digits_are_kept(name, strokes):
    assert defect([np.array(s, float) for s in strokes], 10.0) is None, name


def test_load_prints_the_counts_dropped(tmp_path):
    path = tmp_path / "u.jsonl.gz"
    lines = [line(ZERO, label=0)] * 3 + [line(DEFECTS["stray stroke"]), line(DEFECTS["no ink"])]
    with gzip.open(path, "wt") as f:
        f.write("\n".join(lines) + "\n")
    log = io.StringIO()
    assert len(load_unipen(path, log=log)) == 3
    assert log.getvalue() == "unipen: 3 of 5 digits kept; dropped: 1 no ink, 1 stray stroke\n"


@pytest.mark.parametrize("text, message", [
    ("{not json", "u:1: not a UNIPEN digit record"),
    (json.dumps({"label": 3}), "u:1: not a UNIPEN digit record"),
    (line(ZERO, label=12), "u:1: label 12 is not a digit"),
    (json.dumps({"label": 1, "writer": "a:b", "contributor": "a", "device": "d",
                 "strokes": [[[1, 2, 3]]]}), "u:1: not a UNIPEN digit record"),
])
def test_malformed_lines_are_named(text, message):
    with pytest.raises(DataError, match=message):
        parse_records([text], "u")


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_unipen(tmp_path)


@pytest.fixture(scope="module")
def unipen(data_dir):
    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"unipen data absent in {data_dir}")
    log = io.StringIO()
    return load_unipen(data_dir, log=log), log.getvalue()


def test_the_real_file(unipen):
    digits, log = unipen
    assert log.startswith("unipen: 12562 of 12584 digits kept; dropped: ")
    assert len({d.writer for d in digits}) == 223
    assert {d.label for d in digits} == set(range(10))


def test_real_sevens_have_their_bar_at_the_top(unipen):
    wider_on_top = []
    for d in unipen[0]:
        if d.label == 7:
            p = np.concatenate(d.strokes)
            band = 0.15 * np.ptp(p[:, 1])
            top, foot = p[p[:, 1] <= p[:, 1].min() + band], p[p[:, 1] >= p[:, 1].max() - band]
            wider_on_top.append(np.ptp(top[:, 0]) > np.ptp(foot[:, 0]))
    assert len(wider_on_top) > 1000 and np.mean(wider_on_top) > 0.99

"""The number composer: deterministic, one split's writers only, each scenario as declared."""
import numpy as np
import pytest

from segmentation import validate_ink
from training.compose import SCENARIOS, bank_from_digits, compose, generate
from training.pendigits import PenDigit, load_pendigits
from training.splits import PENDIGITS_DEV

N = 60   # numbers per scenario in these tests


@pytest.fixture(scope="module")
def pendigits(pen_data_dir):
    return load_pendigits(pen_data_dir)


@pytest.fixture(scope="module")
def bank(pendigits):
    return bank_from_digits(d for d in pendigits if d.writer in PENDIGITS_DEV)


@pytest.fixture(scope="module")
def drawn(bank):
    return {name: generate(name, N, seed=7, bank=bank) for name in SCENARIOS}


def boxes(sample):
    """Each digit's ink bounding box (x0, y0, x1, y1)."""
    out = []
    for group in sample.digit_strokes:
        xy = np.concatenate([sample.strokes[j][:, :2] for j in group])
        out.append((*xy.min(axis=0), *xy.max(axis=0)))
    return np.array(out)


def same(a, b):
    return (a.text == b.text and a.writer == b.writer and a.digit_strokes == b.digit_strokes
            and len(a.strokes) == len(b.strokes)
            and all(np.array_equal(s, t) for s, t in zip(a.strokes, b.strokes)))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_same_seed_same_drawings(bank, drawn, scenario):
    again = generate(scenario, N, seed=7, bank=bank)
    assert all(same(a, b) for a, b in zip(drawn[scenario], again))


def test_other_seed_other_drawings(bank, drawn):
    other = generate("clean", N, seed=8, bank=bank)
    assert [s.text for s in other] != [s.text for s in drawn["clean"]]


def test_scenario_stream_does_not_depend_on_others(bank, drawn):
    generate("tight", 5, seed=7, bank=bank)
    assert same(generate("long", 1, seed=7, bank=bank)[0], drawn["long"][0])


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_digit_counts_and_truth(drawn, scenario):
    lo, hi = SCENARIOS[scenario].digits
    for s in drawn[scenario]:
        assert lo <= len(s.text) <= hi and s.text.isdigit()
        assert len(s.digit_strokes) == len(s.text)
        used = sorted({j for g in s.digit_strokes for j in g})
        assert used == list(range(len(s.strokes)))     # every stroke belongs to a digit


def test_long_numbers_span_8_to_12(drawn):
    assert {len(s.text) for s in drawn["long"]} <= set(range(8, 13))
    assert len({len(s.text) for s in drawn["long"]}) >= 3


def test_fixed_length(bank):
    assert {len(s.text) for s in generate("clean", 10, bank=bank, n_digits=6)} == {6}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_only_the_banks_writers(drawn, scenario):
    assert {s.writer for s in drawn[scenario]} <= PENDIGITS_DEV


def test_default_bank_is_the_pendigits_dev_writers(pendigits, monkeypatch):
    import training.compose as compose_module

    monkeypatch.setattr(compose_module, "load_pendigits", lambda data=None: pendigits)
    assert {s.writer for s in generate("clean", 60, seed=1)} == PENDIGITS_DEV


def test_a_bank_of_string_writer_ids_composes_too():
    zero = (np.array([[0.0, 0.0, 0.0], [10.0, 40.0, 10.0], [0.0, 80.0, 20.0]]),)
    bank = bank_from_digits([PenDigit(zero, 0, "val:val02"), PenDigit(zero, 0, "uqb:x")])
    rng = np.random.default_rng(0)
    assert {compose(bank, "clean", rng).writer for _ in range(20)} == {"val:val02", "uqb:x"}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_valid_ink_with_running_time(drawn, scenario):
    for s in drawn[scenario]:
        ink = validate_ink(s.strokes)
        assert len(ink) == len(s.strokes) and all(a.shape[1] == 3 for a in s.strokes)
        t = np.concatenate([a[:, 2] for a in s.strokes])
        assert np.all(np.diff(t) > 0)                    # time runs on, across strokes too
        for a, b in zip(s.strokes, s.strokes[1:]):
            assert 100.0 <= b[0, 2] - a[-1, 2] <= 400.0  # pen-up pause


def test_clean_digits_are_apart_and_in_reading_order(drawn):
    for s in drawn["clean"]:
        b = boxes(s)
        assert np.all(b[1:, 0] > b[:-1, 2])              # positive gaps between boxes
        assert [j for g in s.digit_strokes for j in g] == list(range(len(s.strokes)))


def test_tight_boxes_overlap_or_touch(drawn):
    heights, gaps = [], []
    for s in drawn["tight"]:
        b = boxes(s)
        heights.append(np.median(b[:, 3] - b[:, 1]))
        gaps += list((b[1:, 0] - b[:-1, 2]) / heights[-1])
    assert max(gaps) <= 0.1
    assert np.mean(np.array(gaps) < 0) > 0.5


def test_tight_has_digits_written_in_one_stroke(bank):
    samples = generate("tight", 200, seed=3, bank=bank)
    shared = [s for s in samples
              if any(set(a) & set(b) for a, b in zip(s.digit_strokes, s.digit_strokes[1:]))]
    assert 5 <= len(shared) <= 100
    for s in shared:
        assert len(s.strokes) < sum(len(g) for g in s.digit_strokes)


def test_delayed_has_a_stroke_after_the_next_digit(drawn):
    for s in drawn["delayed"]:
        late = [i for i, g in enumerate(s.digit_strokes[:-1])
                if max(g) > min(s.digit_strokes[i + 1])]
        assert len(late) == 1
        i = late[0]
        assert len(s.digit_strokes[i]) >= 2
        assert max(s.digit_strokes[i]) > max(s.digit_strokes[i + 1])   # drawn after it


def test_mixed_is_high_dpi_with_mixed_sizes(drawn):
    lo = min(a[:, :2].min() for s in drawn["mixed"] for a in s.strokes)
    assert lo >= 1000.0
    heights = [np.median(boxes(s)[:, 3] - boxes(s)[:, 1]) for s in drawn["mixed"]]
    clean = [np.median(boxes(s)[:, 3] - boxes(s)[:, 1]) for s in drawn["clean"]]
    assert np.median(heights) > 2 * np.median(clean)
    ratios = [np.ptp(boxes(s)[:, 3] - boxes(s)[:, 1]) / np.median(boxes(s)[:, 3] - boxes(s)[:, 1])
              for s in drawn["mixed"] if len(s.text) > 2]
    assert np.median(ratios) > 0.3                        # sizes vary within a number


def test_single_has_one_digit_of_every_kind(drawn):
    assert {len(s.text) for s in drawn["single"]} == {1}
    assert len({s.text for s in drawn["single"]}) >= 8


def test_input_digits_not_mutated():
    strokes = (np.array([[0.0, 0.0, 0.0], [0.0, 50.0, 10.0]]),
               np.array([[10.0, 0.0, 0.0], [30.0, 50.0, 10.0], [40.0, 60.0, 20.0]]))
    copies = [s.copy() for s in strokes]
    bank = bank_from_digits([PenDigit(strokes, label, 26) for label in range(10)])
    rng = np.random.default_rng(0)
    for name in SCENARIOS:
        compose(bank, name, rng)
    assert all(np.array_equal(a, b) for a, b in zip(strokes, copies))


def test_unknown_scenario_is_named(bank):
    with pytest.raises(ValueError, match="'wobbly'"):
        generate("wobbly", 1, bank=bank)


def test_a_joined_stroke_of_repeated_points_stays_within_the_ink_limits():
    # a "u" from a slow 60 Hz pen: most points repeat, so the median step is 0; "uu" joins
    corners = [[0.0, 0.0], [0.0, 120.0], [40.0, 160.0], [80.0, 120.0], [80.0, 0.0]]
    slow = np.column_stack([np.repeat(corners, 5, axis=0), 10.0 * np.arange(25)])
    bank = bank_from_digits([PenDigit((slow,), 0, "apple:slow")])
    rng = np.random.default_rng(0)
    drawn = [compose(bank, "tight", rng) for _ in range(20)]
    assert any(len(s.strokes) < sum(map(len, s.digit_strokes)) for s in drawn)   # joined
    for s in drawn:
        validate_ink(s.strokes)
        assert sum(map(len, s.strokes)) < 2000

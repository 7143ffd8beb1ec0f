"""The pen-path features, the shipped pen-path reader and its training command."""
import json

import numpy as np
import pytest

from inkdigits.cli import main
from recognizer.classifier import SHIPPED_PATH_MODEL, load_classifier
from recognizer.pen_path import PATH_POINTS, path_features, path_features_many
from training.pen_data import thin_out

SEVEN = [np.array([[0, 0], [60, 0], [20, 100]], float)]
FOUR = [np.array([[30, 0], [0, 60], [50, 60]], float), np.array([[40, 20], [40, 100]], float)]


def _dense(strokes, n=200):
    """Each stroke with ``n`` points along its polyline, as a tablet samples it."""
    out = []
    for s in strokes:
        t = np.linspace(0, len(s) - 1, n)
        out.append(np.column_stack([np.interp(t, np.arange(len(s)), s[:, j]) for j in (0, 1)]))
    return out


def test_features_are_points_along_the_path_with_pen_state_and_direction():
    f = path_features(SEVEN)
    assert f.shape == (PATH_POINTS, 5) and f.dtype == np.float32
    assert np.allclose(f[0, :2], [-0.3, -0.5]) and np.allclose(f[-1, :2], [-0.1, 0.5])
    assert (f[:, 2] == 1).all()                                  # one stroke: pen always down
    assert np.allclose(np.hypot(f[:, 3], f[:, 4]), 1, atol=1e-4)
    assert f[0, 3] > 0.99                                        # the bar goes right


def test_the_jump_between_strokes_is_path_with_the_pen_up():
    f = path_features(FOUR)
    assert 0 < (f[:, 2] == 0).sum() < PATH_POINTS / 2
    up = np.flatnonzero(f[:, 2] == 0)
    assert (np.diff(up) == 1).all()                               # one jump, in one piece


def test_offset_scale_sampling_rate_and_time_do_not_matter():
    f = path_features(_dense(FOUR))
    moved = [s * 7.5 + [1000, -300] for s in _dense(FOUR)]
    timed = [np.column_stack([s, np.arange(len(s)) * 10.0]) for s in _dense(FOUR)]
    assert np.allclose(path_features(moved), f, atol=1e-5)
    assert np.allclose(path_features(timed), f)
    assert np.abs(path_features(thin_out(_dense(FOUR), 5))[:, :2] - f[:, :2]).max() < 0.05


def test_a_dot_and_no_ink():
    dot = path_features([np.array([[5.0, 5.0], [5.0, 5.0]])])
    assert np.isfinite(dot).all() and (dot[:, :2] == 0).all()
    with pytest.raises(ValueError, match="no ink"):
        path_features([np.zeros((0, 2))])
    assert path_features_many([SEVEN, FOUR]).shape == (2, PATH_POINTS, 5)


def test_shipped_reader_loads_and_reads_a_seven_and_a_four():
    reader = load_classifier(paths=True)
    probs = reader(path_features_many([_dense(SEVEN), _dense(FOUR)]))
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert list(probs.argmax(axis=1)) == [7, 4]


def test_reader_rejects_crops_and_a_crop_model(tiny_model_path):
    from recognizer.classifier import ModelError

    reader = load_classifier(paths=True)
    with pytest.raises(ValueError, match="inputs must"):
        reader(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ModelError, match="expected"):
        load_classifier(tiny_model_path, paths=True)


def test_recognizer_without_a_reader(tiny_model_path):
    from recognizer import NumberRecognizer

    rec = NumberRecognizer.load(tiny_model_path, path_model=False)
    assert rec.path_reader is None
    assert isinstance(rec.recognize(SEVEN).text, str)


def test_shipped_card_figure_is_what_the_shipped_reader_reads(pen_data_dir):
    from training.pendigits import load_pendigits
    from training.splits import select
    from training.train_pen_path import writer_metrics

    card = json.loads(SHIPPED_PATH_MODEL.with_name("pen_path_card.json").read_text())
    # pendigits dev writers, called held-out writers before training.splits
    stated = card["dev_writers"]["pendigits"] if "dev_writers" in card else card["held_out_writers"]
    dev = select(load_pendigits(pen_data_dir), "dev")
    measured = writer_metrics(load_classifier(paths=True, runtime="keras").model, dev)
    assert measured["digits"] == stated["digits"]
    assert measured["accuracy"] == pytest.approx(stated["accuracy"], abs=1.5e-3)
    assert measured["accuracy"] >= 0.96


def test_train_pen_path_smoke(tmp_path, pen_data_dir):
    out = tmp_path / "run"
    assert main(["train-pen-path", "--data", pen_data_dir, "--epochs", "1", "--variants", "2",
                 "--limit", "200", "--out", str(out)]) == 0
    card = json.loads((out / "pen_path_card.json").read_text())
    assert card["command"].startswith("inkdigits train-pen-path")
    assert card["train"]["digits"] == 200 and card["train"]["paths"] == 400
    from training.splits import split_of

    assert card["train_writers"] and {split_of(w) for w in card["train_writers"]} == {"train"}
    dev = card["dev_writers"]
    assert set(dev) == {"pendigits", "unipen"}
    assert set(dev["pendigits"]["per_writer"]) == {f"pendigits:{w}" for w in range(26, 31)}
    assert {split_of(w) for w in dev["unipen"]["per_writer"]} == {"dev"}
    assert load_classifier(out / "pen_path.keras", paths=True)(
        path_features_many([SEVEN])).shape == (1, 10)


def test_train_pen_path_without_data_is_a_clear_error(tmp_path, capsys):
    assert main(["train-pen-path", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "not found" in capsys.readouterr().err


def test_training_variants_are_sometimes_drawn_backwards_or_reordered():
    from training.train_pen_path import other_order

    rng = np.random.default_rng(0)
    assert [s.tolist() for s in other_order(FOUR, rng, 1.0, 0.0)] == \
        [s[::-1].tolist() for s in FOUR]
    orders = {tuple(s[0, 0] for s in other_order(FOUR, rng, 0.0, 1.0)) for _ in range(20)}
    assert len(orders) == 2
    assert other_order(FOUR, rng, 0.0, 0.0) == FOUR

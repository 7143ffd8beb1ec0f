"""MNIST metrics on hand-made probabilities, and ``inkdigits evaluate``'s exit codes."""
import argparse

import numpy as np
import pytest

from training import evaluate
from training.data import data_dir


def one_hot(classes, width=11):
    return np.eye(width, dtype=np.float32)[classes]


def test_mnist_metrics_exact():
    labels = np.array([7, 7, 9, 4, 4, 1])
    # predicted: 7, 9, 7, 9, junk (digits-only argmax: 4 from the runner-up), 1
    probs = one_hot([7, 9, 7, 9, 10, 1])
    probs[4, 4] = 0.5
    m = evaluate.mnist_metrics(probs, labels)
    assert m["images"] == 6 and m["errors"] == 3
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["per_class_accuracy"]["7"] == 0.5 and m["per_class_accuracy"]["4"] == 0.5
    assert m["per_class_accuracy"]["1"] == 1.0
    assert m["per_class_accuracy"]["0"] == 0.0  # no zeros: 0 of 0, no division error
    assert m["confusion_matrix"][7][9] == 1 and m["confusion_matrix"][9][7] == 1
    assert m["most_confused"] == [{"true": 4, "pred": 9, "count": 1},
                                  {"true": 7, "pred": 9, "count": 1},
                                  {"true": 9, "pred": 7, "count": 1}]
    assert m["watched_pairs"] == {"7<->9": {"7->9": 1, "9->7": 1, "total": 2},
                                  "4<->9": {"4->9": 1, "9->4": 0, "total": 1}}
    assert m["reject_rate"] == pytest.approx(1 / 6)


def test_mnist_metrics_ten_class_model():
    m = evaluate.mnist_metrics(one_hot([3, 3], width=10), np.array([3, 5]))
    assert m["reject_rate"] == 0.0 and m["most_confused"] == [{"true": 5, "pred": 3, "count": 1}]


def test_format_metrics_lines():
    m = evaluate.mnist_metrics(one_hot([7, 9]), np.array([7, 7]))
    text = "\n".join(evaluate.format_metrics(m))
    assert "MNIST test accuracy: 50.00% (1 errors of 2" in text
    assert "  7->9: 1" in text and "7<->9: 1" in text


def test_evaluate_missing_model(tmp_path, capsys):
    args = argparse.Namespace(model=str(tmp_path / "none.keras"), data=None)
    if data_dir() is None:
        args.data = str(tmp_path)  # missing data must fail the same way
    assert evaluate.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("inkdigits evaluate: ") and err.count("\n") == 1


def test_evaluate_missing_data(tmp_path, capsys):
    args = argparse.Namespace(model=None, data=str(tmp_path))
    assert evaluate.main(args) == 2
    assert "file not found" in capsys.readouterr().err


@pytest.mark.skipif(data_dir() is None, reason="no MNIST directory (set INKDIGITS_DATA)")
def test_evaluate_prints_report(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(11, activation="softmax")])
    model.save(tmp_path / "tiny.keras")
    assert evaluate.main(argparse.Namespace(model=str(tmp_path / "tiny.keras"), data=None)) == 0
    out = capsys.readouterr().out
    assert "MNIST test accuracy" in out and "of 10000" in out
    assert "most confused" in out and "reject class chosen" in out

"""The model card and plots written after training, on a tiny model and 300 test images."""
import json

import numpy as np
import pytest

from training import report
from training.data import data_dir, load_mnist

needs_mnist = pytest.mark.skipif(
    data_dir() is None, reason="no MNIST directory (set INKDIGITS_DATA or --data)")

HISTORY = {"loss": [1.0, 0.5, 0.4], "accuracy": [0.7, 0.8, 0.85],
           "val_loss": [0.6, 0.45, 0.5], "val_accuracy": [0.8, 0.86, 0.85]}
CONFIG = {"command": "inkdigits train --out runs/x --epochs 3", "epochs": 3, "seed": 1,
          "batch_size": 128}
LIMIT = 300
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(11, activation="softmax")])


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    tiny_model.save(out / report.MODEL_FILE)
    card = report.write_report(out, tiny_model, HISTORY, CONFIG, 12.34, test_limit=LIMIT)
    return out, card


@needs_mnist
def test_writes_card_and_plots(run):
    out, card = run
    for name in ("learning_curves.png", "confusion_matrix.png", "errors.png"):
        assert (out / name).read_bytes()[:8] == PNG
    assert json.loads((out / report.CARD_FILE).read_text()) == card
    for key in ("created", "command", "test", "parameters", "training_seconds", "epochs",
                "data", "git", "versions", "model_file", "config"):
        assert key in card
    assert card["command"] == CONFIG["command"] and card["config"] == CONFIG
    assert card["parameters"] == 28 * 28 * 11 + 11
    assert card["training_seconds"] == 12.3
    assert card["created"].endswith("+00:00")
    assert set(card["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    assert set(card["git"]) == {"commit", "dirty"}
    assert card["model_file"]["name"] == "digits.keras"
    assert len(card["model_file"]["sha256"]) == 64
    assert any(k.endswith("t10k-images-idx3-ubyte.gz") for k in card["data"]["sha256"])


@needs_mnist
def test_card_metrics_match_model(run, tiny_model):
    _, card = run
    images, labels = load_mnist(None, "test")
    images, labels = images[:LIMIT], labels[:LIMIT]
    probs = tiny_model.predict(images[..., None] / 255.0, verbose=0)
    pred = probs[:, :10].argmax(axis=1)
    test = card["test"]
    assert test["images"] == LIMIT
    assert test["accuracy"] == pytest.approx(np.mean(pred == labels))
    conf = np.array(test["confusion_matrix"])
    assert conf.shape == (10, 10) and conf.sum() == LIMIT
    assert conf[7, 9] == np.sum((labels == 7) & (pred == 9))
    assert test["watched_pairs"]["7<->9"]["total"] == conf[7, 9] + conf[9, 7]
    assert test["watched_pairs"]["4<->9"]["4->9"] == conf[4, 9]
    assert test["reject_rate"] == pytest.approx(np.mean(probs.argmax(axis=1) == 10))
    assert set(test["per_class_accuracy"]) == set("0123456789")


def test_epochs_best_and_final():
    ep = report._epochs(HISTORY, "val_loss")
    assert ep["ran"] == 3 and ep["final"]["val_loss"] == 0.5
    assert ep["best"] == {"epoch": 2, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.45,
                          "val_accuracy": 0.86}
    assert report._epochs(HISTORY, "val_accuracy")["best"]["epoch"] == 2
    assert report._epochs({}, "val_loss")["ran"] == 0


def test_git_state_without_git(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "REPO", tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert report.git_state() == {"commit": None, "dirty": None}


@needs_mnist
def test_regenerate_from_run_dir(run):
    out, card = run
    (out / "history.json").write_text(json.dumps(HISTORY))
    (out / "config.json").write_text(json.dumps(CONFIG))
    again = report.regenerate(out, test_limit=LIMIT)
    assert again["test"] == card["test"]
    assert again["training_seconds"] == 12.3  # kept from the earlier card
    assert again["model_file"] == card["model_file"]

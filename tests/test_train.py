"""A tiny training run end to end: data -> model -> card and plots -> loadable model."""
import json

import numpy as np
import pytest

from inkdigits.cli import main


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("run")
    code = main(["train", "--data", str(data_dir), "--epochs", "1", "--limit", "300",
                 "--batch-size", "64", "--out", str(out)])
    assert code == 0
    return out


def test_smoke_run_writes_model_card_and_plots(smoke_run):
    for name in ("digits.keras", "model_card.json", "history.json", "config.json",
                 "learning_curves.png", "confusion_matrix.png", "errors.png"):
        assert (smoke_run / name).is_file(), name
    card = json.loads((smoke_run / "model_card.json").read_text())
    assert card["command"].startswith("inkdigits train")
    assert 0.0 <= card["test"]["accuracy"] <= 1.0 and card["test"]["images"] == 10000
    config = json.loads((smoke_run / "config.json").read_text())
    assert card["git"] == config["git"]           # recorded when training started


def test_saved_model_reads_back_through_the_library(smoke_run):
    from recognizer import NumberRecognizer
    from shapes import number

    rec = NumberRecognizer.load(smoke_run / "digits.keras")
    probs = rec.classify(np.zeros((3, 28, 28), np.uint8))
    assert probs.shape == (3, 10)
    strokes, _ = number("12")
    assert len(rec.recognize(strokes).text) >= 1


def test_training_uses_pen_digits_junk_and_a_validation_split(smoke_run):
    config = json.loads((smoke_run / "config.json").read_text())
    counts = config["train_class_counts"]
    assert len(counts) == 11 and counts[10] > 0
    assert config["val_size"] > 0


def test_training_goes_on_from_a_model_s_weights(smoke_run, tmp_path, data_dir):
    import shutil

    import keras

    begin = tmp_path / "begin"
    begin.mkdir()
    shutil.copy(smoke_run / "digits.keras", begin)
    card = json.loads((smoke_run / "model_card.json").read_text())
    card["train_writers"] = ["apple:Someone"]                  # who trained the start
    (begin / "model_card.json").write_text(json.dumps(card))
    out = tmp_path / "on"
    assert main(["train", "--data", str(data_dir), "--epochs", "1", "--limit", "300",
                 "--batch-size", "64", "--init", str(begin / "digits.keras"),
                 "--learning-rate", "0", "--out", str(out)]) == 0
    weights = [keras.saving.load_model(m, compile=False).trainable_weights
               for m in (begin / "digits.keras", out / "digits.keras")]
    for a, b in zip(*weights):                                  # a learning rate of 0
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    config = json.loads((out / "config.json").read_text())
    assert config["init"] == str(begin / "digits.keras") and config["learning_rate"] == 0.0
    writers = json.loads((out / "model_card.json").read_text())["train_writers"]
    assert "apple:Someone" in writers and len(writers) > 1


@pytest.mark.parametrize("case, message", [
    ("missing", "model file not found"),
    ("not a model", "not a readable Keras model"),
    ("no card", "no model_card.json beside it"),
])
def test_a_bad_start_is_a_clear_error(smoke_run, tmp_path, data_dir, capsys, case, message):
    import shutil

    start = tmp_path / "digits.keras"
    if case == "not a model":
        start.write_bytes(b"no model")
    if case == "not a model":
        (tmp_path / "model_card.json").write_text(json.dumps({"train_writers": []}))
    if case == "no card":
        shutil.copy(smoke_run / "digits.keras", start)
    assert main(["train", "--data", str(data_dir), "--epochs", "1", "--limit", "300",
                 "--init", str(start), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"inkdigits train: --init {start}: ") and message in err


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 2
    assert "not found" in capsys.readouterr().err


def test_training_ends_with_a_litert_export_the_library_uses(smoke_run):
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert is not installed")
    from recognizer.classifier import load_classifier
    from recognizer.lite import LiteClassifier

    assert (smoke_run / "digits.tflite").is_file() and (smoke_run / "digits.tflite.json").is_file()
    lite = load_classifier(smoke_run / "digits.keras")
    keras_clf = load_classifier(smoke_run / "digits.keras", runtime="keras")
    x = np.random.default_rng(0).integers(0, 256, (20, 28, 28)).astype(np.uint8)
    assert isinstance(lite, LiteClassifier) and np.abs(lite(x) - keras_clf(x)).max() < 1e-4

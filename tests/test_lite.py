"""The LiteRT runtime: the shipped exports read as the Keras models do, without TensorFlow."""
import json
import subprocess
import sys

import numpy as np
import pytest
from shapes import number

from recognizer import NumberRecognizer, result_to_dict
from recognizer.classifier import SHIPPED_MODEL, SHIPPED_PATH_MODEL, ModelError, load_classifier
from recognizer.lite import LiteClassifier, lite_path, usable_export

pytest.importorskip("ai_edge_litert", reason="ai-edge-litert is not installed")
pytestmark = pytest.mark.skipif(usable_export(SHIPPED_MODEL) is None,
                                reason="no LiteRT export of the shipped model (inkdigits export-lite)")


@pytest.fixture(scope="module")
def both():
    return {rt: (load_classifier(runtime=rt), load_classifier(paths=True, runtime=rt))
            for rt in ("keras", "lite")}


def test_auto_uses_the_export_and_keras_on_request(both):
    assert isinstance(load_classifier(), LiteClassifier)
    assert isinstance(both["lite"][0], LiteClassifier)
    assert not isinstance(both["keras"][0], LiteClassifier)


@pytest.mark.parametrize("paths", [False, True])
def test_probabilities_and_embeddings_within_1e_4_of_keras(both, paths):
    keras_clf, lite_clf = both["keras"][paths], both["lite"][paths]
    rng = np.random.default_rng(1)
    shape = (50, *keras_clf.input_shape)
    x = rng.integers(0, 256, shape).astype(np.uint8) if not paths else \
        rng.normal(0, 1, shape).astype(np.float32)
    (pk, ek), (pl, el) = keras_clf.embed(x), lite_clf.embed(x)
    assert pk.shape == pl.shape and ek.shape == el.shape
    assert np.abs(pk - pl).max() < 1e-4 and np.abs(ek - el).max() < 1e-3
    assert lite_clf.fingerprint == keras_clf.fingerprint     # profiles fit both runtimes
    assert lite_clf(x[:0]).shape == (0, keras_clf.num_classes)
    with pytest.raises(ValueError, match="shape"):
        lite_clf(x[:, :5])


def test_the_same_readings_as_keras(both, pen_data_dir):
    from training.compose import SCENARIOS, SOURCES, generate, load_bank

    recs = {rt: NumberRecognizer(classifier=c, path_reader=p) for rt, (c, p) in both.items()}
    for source in SOURCES:
        bank = load_bank(pen_data_dir, source, "dev")
        for scenario in SCENARIOS:
            for s in generate(scenario, 6, seed=0, bank=bank):
                a, b = (result_to_dict(recs[rt].recognize(s.strokes)) for rt in ("keras", "lite"))
                assert a["text"] == b["text"], (source, scenario)
                for da, db in zip(a["digits"], b["digits"]):
                    assert np.abs(np.subtract(da["probabilities"], db["probabilities"])).max() < 1e-4


def test_a_stale_export_is_not_used(tmp_path):
    import shutil

    model = tmp_path / "digits.keras"
    shutil.copy(SHIPPED_MODEL, model)
    shutil.copy(lite_path(SHIPPED_MODEL), lite_path(model))
    sidecar = json.loads((SHIPPED_MODEL.parent / "digits.tflite.json").read_text())
    (tmp_path / "digits.tflite.json").write_text(json.dumps(dict(sidecar, keras_sha256="0" * 64)))
    assert usable_export(model) is None
    assert not isinstance(load_classifier(model), LiteClassifier)
    with pytest.raises(ModelError, match="no LiteRT export"):
        load_classifier(model, runtime="lite")


def test_the_library_reads_without_importing_tensorflow():
    code = ("import sys; from recognizer import NumberRecognizer; "
            f"strokes = {json.dumps([s[:, :2].tolist() for s in number('2047')[0]])}; "
            "print(NumberRecognizer.load().recognize(strokes).text, 'tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["2047", "False"] and done.stderr == ""

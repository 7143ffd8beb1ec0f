"""The traced classifier against ``model.predict``, its guards, threads; the shipped model."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from recognizer.classifier import SHIPPED_MODEL, ModelError, load_classifier
from recognizer.number import NumberRecognizer
from training.data import data_dir

SHIPPED_MIN_ACCURACY = 0.996


@pytest.fixture(scope="module")
def model_path(tiny_model_path):
    """The tiny 11-class model (flatten -> softmax) from conftest."""
    return tiny_model_path


@pytest.fixture(scope="module")
def classifier(model_path):
    return load_classifier(model_path)


@pytest.fixture(scope="module")
def crops():
    return np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("n", [1, 6, 64])
def test_output_is_softmax(classifier, crops, n):
    out = classifier(crops[:n])
    assert out.shape == (n, 11) and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_empty_batch(classifier):
    assert classifier(np.zeros((0, 28, 28), np.uint8)).shape == (0, 11)


def test_matches_model_predict(classifier, crops):
    expected = classifier.model.predict(crops[..., None].astype(np.float32) / 255.0, verbose=0)
    np.testing.assert_allclose(classifier(crops), expected, atol=1e-5)


@pytest.mark.parametrize("bad", [
    np.zeros((28, 28), np.uint8), np.zeros((2, 28, 27), np.uint8),
    np.zeros((2, 28, 28, 1), np.uint8), np.zeros((2, 28, 28), np.float32),
    np.zeros((2, 28, 28), np.int64),
], ids=["2d", "27-wide", "4d", "float32", "int64"])
def test_rejects_bad_shapes_and_dtypes(classifier, bad):
    with pytest.raises(ValueError, match="inputs must"):
        classifier(bad)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_classifier(tmp_path / "none.keras")


def test_garbage_model_file(tmp_path):
    path = tmp_path / "garbage.keras"
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(ModelError, match="not a readable Keras model"):
        load_classifier(path)


def test_wrong_model_shape(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "wrong.keras")
    with pytest.raises(ModelError, match="expected"):
        load_classifier(tmp_path / "wrong.keras")


def test_number_recognizer_classify(model_path, classifier, crops):
    recognizer = NumberRecognizer.load(model_path)
    out = recognizer.classify(crops[:6])
    assert out.shape == (6, 10)
    np.testing.assert_allclose(out, classifier(crops[:6])[:, :10], atol=1e-6)
    assert np.all(out.sum(axis=1) <= 1 + 1e-5)


def test_threads_agree_with_single_thread(model_path, crops):
    recognizer = NumberRecognizer.load(model_path)  # first use from the threads: lazy load
    batches = [crops[i:i + 1 + i % 7] for i in range(32)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(recognizer.classify, batches))
    for batch, got in zip(batches, results):
        np.testing.assert_allclose(got, recognizer.classify(batch), atol=1e-6)


@pytest.mark.skipif(data_dir() is None, reason="no MNIST directory (set INKDIGITS_DATA)")
@pytest.mark.skipif(not SHIPPED_MODEL.is_file(),
                    reason=f"{SHIPPED_MODEL} not trained yet (`inkdigits train`)")
def test_shipped_model_accuracy():
    from training.data import load_mnist

    images, labels = load_mnist(None, "test")
    recognizer = NumberRecognizer.load()
    probs = np.concatenate([recognizer.classify(images[i:i + 1000])
                            for i in range(0, len(images), 1000)])
    accuracy = np.mean(probs.argmax(axis=1) == labels)  # digits only: reject class ignored
    assert accuracy >= SHIPPED_MIN_ACCURACY, f"shipped model: {accuracy:.2%} on MNIST test"


@pytest.mark.skipif(not SHIPPED_MODEL.is_file(),
                    reason=f"{SHIPPED_MODEL} not trained yet (`inkdigits train`)")
def test_shipped_model_size():
    size = SHIPPED_MODEL.stat().st_size
    assert size <= 5 * 2 ** 20, f"{SHIPPED_MODEL}: {size / 2 ** 20:.1f} MiB (optimizer saved?)"

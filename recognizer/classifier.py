"""Loading the models and calling them fast: a traced function, not ``model.predict``.

Two models: the digit CNN reads 28x28 crops; the pen-path reader reads a digit's
``pen_path.path_features`` and is asked only about digits the CNN is unsure of."""
import hashlib
import threading
from pathlib import Path

import numpy as np

from recognizer.constants import CROP_SIZE, NUM_CLASSES, NUM_DIGITS
from recognizer.pen_path import PATH_FEATURES, PATH_POINTS

MODELS_DIR = Path(__file__).parent / "models"
SHIPPED_MODEL = MODELS_DIR / "digits.keras"
SHIPPED_PATH_MODEL = MODELS_DIR / "pen_path.keras"


BATCH = 256   # inputs per call of a model: a 1000-candidate drawing's activations stay small


class ModelError(Exception):
    """The model file is missing, unreadable or of the wrong shape."""


class Classifier:
    """A Keras model behind one traced TensorFlow function; safe to call from many threads.

    Takes (N, 28, 28) uint8 crops, or with ``paths=True`` (N, 32, 5) float32 pen-path
    features, and returns (N, classes) softmax probabilities. :meth:`embed` returns, from
    the same traced call, the digit CNN's penultimate layer too (what a writer's
    profile compares: ``recognizer.adapt``)."""

    def __init__(self, model, paths=False):
        from recognizer.quiet import import_tensorflow

        tf = import_tensorflow()

        shape, dtype = ((PATH_POINTS, PATH_FEATURES), tf.float32) if paths else \
            ((CROP_SIZE, CROP_SIZE), tf.uint8)
        outs = (NUM_DIGITS,) if paths else (NUM_DIGITS, NUM_CLASSES)
        out = model.output_shape[-1]
        if tuple(model.input_shape[1:1 + len(shape)]) != shape or out not in outs:
            raise ModelError(f"model takes {model.input_shape} and returns {model.output_shape}; "
                             f"expected (None, {', '.join(map(str, shape))}, ...) -> "
                             f"(None, {' or '.join(map(str, outs))})")
        self.model = model
        self.num_classes = out
        self.input_shape = shape
        self.dtype = np.dtype(dtype.as_numpy_dtype)
        self._tf = tf
        self.paths = paths
        # The last layer's input is the penultimate embedding; one graph gives both, so
        # reading it costs no second pass (the probabilities are the same bytes).
        self._both = keras_outputs(model)
        self.embedding_size = int(self._both.outputs[0].shape[-1])
        self._fingerprint = None
        spec = tf.TensorSpec((None, *shape), dtype)
        # The concrete graph is called directly: tf.function's dispatch costs ~0.5 ms a call.
        forward = self._paths if paths else self._crops
        self._fn = tf.function(forward, input_signature=[spec]).get_concrete_function()
        self._lock = threading.Lock()

    def _crops(self, crops):
        x = self._tf.cast(crops, self._tf.float32)[..., None] / 255.0
        embedding, probs = self._both(x, training=False)
        return probs, embedding

    def _paths(self, features):
        embedding, probs = self._both(features, training=False)
        return probs, embedding

    def __call__(self, inputs):
        """(N, *input_shape) inputs of ``dtype`` -> (N, num_classes) float32 probabilities."""
        return self.embed(inputs)[0]

    def embed(self, inputs):
        """(probabilities (N, num_classes), embeddings (N, embedding_size)) float32: the
        model's output and its last layer's input, from one call of the traced graph."""
        inputs = np.asarray(inputs)
        if inputs.ndim != 3 or inputs.shape[1:] != self.input_shape:
            raise ValueError(f"inputs must have shape (N, {', '.join(map(str, self.input_shape))}),"
                             f" got {inputs.shape}")
        if inputs.dtype != self.dtype:
            raise ValueError(f"inputs must be {self.dtype}, got {inputs.dtype}")
        if len(inputs) == 0:
            return (np.zeros((0, self.num_classes), np.float32),
                    np.zeros((0, self.embedding_size), np.float32))
        # One traced graph serves every batch size; the lock keeps Keras' layer state
        # (and TF's per-function caches) out of concurrent first calls.
        out = []
        with self._lock:
            for i in range(0, len(inputs), BATCH):   # bounded activations for a big drawing
                probs, embedding = self._fn(inputs[i:i + BATCH])
                out.append((probs.numpy(), embedding.numpy()))
        return np.concatenate([p for p, _ in out]), np.concatenate([e for _, e in out])

    @property
    def fingerprint(self):
        """16 hex digits naming this model's weights: a profile made on one model's
        embeddings means nothing to another's."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for v in self.model.weights:
                w = np.ascontiguousarray(v.numpy())
                digest.update(str(w.shape).encode())
                digest.update(w.tobytes())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint


def keras_outputs(model):
    """A Keras model giving ``model``'s (last layer's input, output) for its inputs."""
    import keras

    last = model.layers[-1]
    return keras.Model(model.inputs, [last.input, model.outputs[0]])


def load_classifier(path=None, paths=False, runtime=None):
    """Read a ``.keras`` model (default: the shipped digit CNN, or with ``paths`` the
    shipped pen-path reader) and wrap it for fast calls: on LiteRT when its export is
    beside it and the runtime is installed, else on Keras (``recognizer.lite``).

    ``runtime`` is ``auto``, ``keras`` or ``lite`` (default: ``INKDIGITS_RUNTIME``, else
    ``auto``); only the Keras wrapper has ``.model``, for training and evaluation code."""
    from recognizer.lite import LiteClassifier, runtime_choice, usable_export

    default = SHIPPED_PATH_MODEL if paths else SHIPPED_MODEL
    path = Path(path) if path is not None else default
    if not path.is_file():
        trainer = "train-pen-path" if paths else "train"
        raise ModelError(f"{path}: model file not found (train one with `inkdigits {trainer}`)")
    runtime = runtime or runtime_choice()
    if runtime not in ("auto", "keras", "lite"):
        raise ValueError(f"runtime must be auto, keras or lite, got {runtime!r}")
    if runtime != "keras":
        found = usable_export(path)
        if found is not None:
            return LiteClassifier(*found, paths=paths)
        if runtime == "lite":
            raise ModelError(f"{path}: no LiteRT export made from this file beside it, or "
                             f"ai-edge-litert is not installed (`inkdigits export-lite`)")
    from recognizer.quiet import import_tensorflow

    import_tensorflow()
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad archive
        raise ModelError(f"{path}: not a readable Keras model ({exc})") from None
    return Classifier(model, paths)

"""Loading the CNN and calling it fast: a traced function, not ``model.predict``."""
import threading
from pathlib import Path

import numpy as np

from recognizer.constants import CROP_SIZE, NUM_CLASSES

MODELS_DIR = Path(__file__).parent / "models"
SHIPPED_MODEL = MODELS_DIR / "digits.keras"


class ModelError(Exception):
    """The model file is missing, unreadable or of the wrong shape."""


class Classifier:
    """A Keras model behind one traced TensorFlow function; safe to call from many threads."""

    def __init__(self, model):
        import tensorflow as tf

        out = model.output_shape[-1]
        if tuple(model.input_shape[1:3]) != (CROP_SIZE, CROP_SIZE) or out not in (10, NUM_CLASSES):
            raise ModelError(f"model takes {model.input_shape} and returns {model.output_shape}; "
                             f"expected (None, 28, 28, 1) -> (None, 10 or {NUM_CLASSES})")
        self.model = model
        self.num_classes = out
        self._tf = tf
        spec = tf.TensorSpec((None, CROP_SIZE, CROP_SIZE), tf.uint8)
        # The concrete graph is called directly: tf.function's dispatch costs ~0.5 ms a call.
        self._fn = tf.function(self._forward, input_signature=[spec]).get_concrete_function()
        self._lock = threading.Lock()

    def _forward(self, crops):
        x = self._tf.cast(crops, self._tf.float32)[..., None] / 255.0
        return self.model(x, training=False)

    def __call__(self, crops):
        """(N, 28, 28) uint8 crops -> (N, num_classes) float32 softmax probabilities."""
        crops = np.asarray(crops)
        if crops.ndim != 3 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE):
            raise ValueError(f"crops must have shape (N, 28, 28), got {crops.shape}")
        if crops.dtype != np.uint8:
            raise ValueError(f"crops must be uint8 0-255, got {crops.dtype}")
        if len(crops) == 0:
            return np.zeros((0, self.num_classes), np.float32)
        # One traced graph serves every batch size; the lock keeps Keras' layer state
        # (and TF's per-function caches) out of concurrent first calls.
        with self._lock:
            return self._fn(crops).numpy()


def load_classifier(path=None):
    """Read a ``.keras`` model (default: the shipped one) and wrap it for fast calls."""
    path = Path(path) if path is not None else SHIPPED_MODEL
    if not path.is_file():
        raise ModelError(f"{path}: model file not found (train one with `inkdigits train`)")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad archive
        raise ModelError(f"{path}: not a readable Keras model ({exc})") from None
    return Classifier(model)

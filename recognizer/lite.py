"""The models on LiteRT (``ai-edge-litert``): the same readings without importing TensorFlow.

A ``.tflite`` file beside a ``.keras`` one is its export (``training.export``): one
signature ``serve`` taking the Keras model's input (uint8 crops or float32 pen-path
features) and giving ``probs`` and ``embedding`` (the last layer's input), with a JSON
sidecar (``<name>.tflite.json``) naming the ``.keras`` file's sha256 it was made from and
the Keras model's weight fingerprint, so a profile made on either runtime fits the other.
``load_classifier`` uses it when the runtime is installed and the sidecar matches the
``.keras`` file; otherwise it falls back to Keras. ``INKDIGITS_RUNTIME=keras`` forces
Keras, ``lite`` forces LiteRT (an error when it cannot be used).
"""
import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

from recognizer.constants import CROP_SIZE, NUM_CLASSES, NUM_DIGITS
from recognizer.pen_path import PATH_FEATURES, PATH_POINTS
from recognizer.threads import thread_count

SIGNATURE = "serve"


def lite_path(keras_path):
    """The LiteRT export of a ``.keras`` file: same folder and stem, ``.tflite``."""
    return Path(keras_path).with_suffix(".tflite")


def sidecar_path(tflite_path):
    return Path(str(tflite_path) + ".json")


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def runtime_choice():
    """``auto`` (default), ``keras`` or ``lite``, from ``INKDIGITS_RUNTIME``."""
    choice = os.environ.get("INKDIGITS_RUNTIME", "auto").strip().lower() or "auto"
    if choice not in ("auto", "keras", "lite"):
        raise ValueError(f"INKDIGITS_RUNTIME must be auto, keras or lite, got {choice!r}")
    return choice


def usable_export(keras_path):
    """The ``.tflite`` export of ``keras_path`` and its sidecar dict, when the export
    exists, was made from this very ``.keras`` file and LiteRT is installed; else None."""
    tfl = lite_path(keras_path)
    meta_file = sidecar_path(tfl)
    if not (tfl.is_file() and meta_file.is_file()):
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        import ai_edge_litert.interpreter  # noqa: F401
    except (ValueError, OSError, ImportError):
        return None
    if not isinstance(meta, dict) or meta.get("keras_sha256") != file_sha256(keras_path):
        return None
    return tfl, meta


class LiteClassifier:
    """A ``.tflite`` export with ``recognizer.classifier.Classifier``'s interface.

    Takes (N, 28, 28) uint8 crops, or with ``paths=True`` (N, 32, 5) float32 pen-path
    features; one interpreter behind a lock (LiteRT interpreters are not thread-safe)."""

    def __init__(self, tflite_path, meta, paths=False, threads=None):
        from ai_edge_litert.interpreter import Interpreter

        self.paths = paths
        self.input_shape = (PATH_POINTS, PATH_FEATURES) if paths else (CROP_SIZE, CROP_SIZE)
        self.dtype = np.dtype(np.float32 if paths else np.uint8)
        self.num_classes = int(meta["num_classes"])
        self.embedding_size = int(meta["embedding_size"])
        self.fingerprint = str(meta["fingerprint"])
        self.path = Path(tflite_path)
        outs = (NUM_DIGITS,) if paths else (NUM_DIGITS, NUM_CLASSES)
        if self.num_classes not in outs:
            from recognizer.classifier import ModelError
            raise ModelError(f"{tflite_path}: returns {self.num_classes} classes, expected "
                             f"{' or '.join(map(str, outs))}")
        from recognizer.quiet import notices_dropped

        threads = threads or thread_count()      # XNNPACK's threads
        with notices_dropped():                  # "Created TensorFlow Lite XNNPACK delegate"
            self._interpreter = Interpreter(model_path=str(tflite_path), num_threads=threads)
            self._run = self._interpreter.get_signature_runner(SIGNATURE)
            self._run(x=np.zeros((1, *self.input_shape), self.dtype))   # it logs on first use
        self._lock = threading.Lock()

    def __call__(self, inputs):
        """(N, *input_shape) inputs of ``dtype`` -> (N, num_classes) float32 probabilities."""
        return self.embed(inputs)[0]

    def embed(self, inputs):
        """(probabilities (N, num_classes), embeddings (N, embedding_size)) float32."""
        inputs = np.asarray(inputs)
        if inputs.ndim != 3 or inputs.shape[1:] != self.input_shape:
            raise ValueError(f"inputs must have shape (N, {', '.join(map(str, self.input_shape))}),"
                             f" got {inputs.shape}")
        if inputs.dtype != self.dtype:
            raise ValueError(f"inputs must be {self.dtype}, got {inputs.dtype}")
        if len(inputs) == 0:
            return (np.zeros((0, self.num_classes), np.float32),
                    np.zeros((0, self.embedding_size), np.float32))
        from recognizer.classifier import BATCH

        probs, embeddings = [], []
        with self._lock:
            for i in range(0, len(inputs), BATCH):   # bounded activations for a big drawing
                out = self._run(x=np.ascontiguousarray(inputs[i:i + BATCH]))
                probs.append(np.array(out["probs"], np.float32))
                embeddings.append(np.array(out["embedding"], np.float32))
        return np.concatenate(probs), np.concatenate(embeddings)

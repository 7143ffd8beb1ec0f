"""``inkdigits export-lite``: a model's LiteRT export, for serving without TensorFlow.

Writes ``<model>.tflite`` beside ``<model>.keras`` (one signature, ``serve``: the Keras
model's input ``x`` -> ``probs`` and ``embedding``, the last layer's input, with the
digit CNN's uint8-to-float scaling inside) and ``<model>.tflite.json`` (what
``recognizer.lite`` checks before using it). Then checks the export against Keras on
random inputs and refuses to keep one whose probabilities differ by more than
``TOLERANCE``.
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

TOLERANCE = 1e-4
SEQUENCE_TOLERANCE = 1e-3   # log-probabilities (a CTC likelihood sums a few hundred)


def export_lite(keras_path, paths=False):
    """Export ``keras_path`` (a digit CNN, or with ``paths`` a pen-path reader) to LiteRT
    beside it; returns the ``.tflite`` path. Raises ValueError if the export disagrees."""
    from recognizer.classifier import load_classifier
    from recognizer.lite import file_sha256, lite_path, sidecar_path
    from recognizer.quiet import import_tensorflow

    tf = import_tensorflow()
    import keras

    clf = load_classifier(keras_path, paths=paths, runtime="keras")
    both = clf._both
    uint8 = clf.dtype == np.uint8

    def serve(x):
        if uint8:
            x = tf.cast(x, tf.float32)[..., None] / 255.0
        embedding, probs = both(x, training=False)
        return {"probs": probs, "embedding": embedding}

    archive = keras.export.ExportArchive()
    archive.track(both)
    archive.add_endpoint("serve", serve, input_signature=[
        tf.TensorSpec((None, *clf.input_shape), tf.uint8 if uint8 else tf.float32, name="x")])
    out = lite_path(keras_path)
    with tempfile.TemporaryDirectory() as tmp:
        archive.write_out(tmp, verbose=False)
        blob = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=["serve"]).convert()
    meta = {"keras_sha256": file_sha256(keras_path), "fingerprint": clf.fingerprint,
            "num_classes": clf.num_classes, "embedding_size": clf.embedding_size,
            "input_shape": list(clf.input_shape), "input_dtype": str(clf.dtype),
            "tensorflow": tf.__version__}
    tmp_out = out.with_suffix(".tflite.tmp")
    tmp_out.write_bytes(blob)
    worst = _disagreement(clf, tmp_out, meta, paths)
    if worst > TOLERANCE:
        tmp_out.unlink()
        raise ValueError(f"{keras_path}: the LiteRT export differs from Keras by {worst:.2e} "
                         f"(> {TOLERANCE:g}); not written")
    tmp_out.replace(out)
    sidecar_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out, worst


def export_sequence_lite(keras_path):
    """Export a sequence reader (``recognizer.sequence``) to LiteRT beside it: signature
    ``serve``, ``x`` (1, T, 5) for any T -> ``log_probs``. Raises ValueError if the export
    disagrees with Keras."""
    from recognizer.lite import file_sha256, lite_path, sidecar_path
    from recognizer.quiet import import_tensorflow
    from recognizer.sequence import SEQUENCE_FEATURES, load_sequence_reader

    tf = import_tensorflow()
    import keras

    reader = load_sequence_reader(keras_path, runtime="keras")
    model = reader.model

    def serve(x):
        return {"log_probs": tf.nn.log_softmax(model(x, training=False))}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", serve, input_signature=[
        tf.TensorSpec((1, None, SEQUENCE_FEATURES), tf.float32, name="x")])
    out = lite_path(keras_path)
    with tempfile.TemporaryDirectory() as tmp:
        archive.write_out(tmp, verbose=False)
        blob = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=["serve"]).convert()
    meta = {"keras_sha256": file_sha256(keras_path), "input_features": SEQUENCE_FEATURES,
            "tensorflow": tf.__version__}
    tmp_out = out.with_suffix(".tflite.tmp")
    tmp_out.write_bytes(blob)
    from recognizer.sequence import LiteSequenceReader

    lite = LiteSequenceReader(tmp_out)
    rng = np.random.default_rng(0)
    worst = max(float(np.abs(reader.log_probs(x) - lite.log_probs(x)).max())
                for x in (rng.normal(0, 1, (n, SEQUENCE_FEATURES)).astype(np.float32)
                          for n in (7, 160, 999)))
    if worst > SEQUENCE_TOLERANCE:
        tmp_out.unlink()
        raise ValueError(f"{keras_path}: the LiteRT export differs from Keras by {worst:.2e} "
                         f"(> {SEQUENCE_TOLERANCE:g}); not written")
    tmp_out.replace(out)
    sidecar_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out, worst


def _disagreement(clf, tflite, meta, paths):
    """Largest |probability| difference between Keras and the export on random inputs."""
    from recognizer.lite import LiteClassifier

    lite = LiteClassifier(tflite, meta, paths=paths)
    rng = np.random.default_rng(0)
    shape = (64, *clf.input_shape)
    x = rng.integers(0, 256, shape).astype(np.uint8) if clf.dtype == np.uint8 else \
        rng.normal(0, 1, shape).astype(np.float32)
    return float(np.abs(clf(x) - lite(x)).max())


def main(args):
    """CLI: export each given model (default: every shipped one)."""
    from recognizer.classifier import SHIPPED_MODEL, SHIPPED_PATH_MODEL, ModelError
    from recognizer.sequence import SHIPPED_SEQUENCE_MODEL

    todo = [(Path(args.model), False)] if args.model else []
    todo += [(Path(args.path_model), True)] if args.path_model else []
    sequence = getattr(args, "sequence_model", None)
    todo += [(Path(sequence), "sequence")] if sequence else []
    todo = todo or [(SHIPPED_MODEL, False), (SHIPPED_PATH_MODEL, True)] + (
        [(SHIPPED_SEQUENCE_MODEL, "sequence")] if SHIPPED_SEQUENCE_MODEL.is_file() else [])
    for path, paths in todo:
        try:
            out, worst = export_sequence_lite(path) if paths == "sequence" else \
                export_lite(path, paths)
        except (ModelError, ValueError) as exc:
            print(f"inkdigits export-lite: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB; largest difference from "
              f"Keras on 64 random inputs {worst:.1e})")
    return 0

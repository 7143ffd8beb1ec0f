"""MNIST test metrics: accuracy over digits 0-9 (the reject class is ignored), confusions."""
import sys

import numpy as np

from recognizer.constants import JUNK, NUM_DIGITS

WATCHED_PAIRS = ((7, 9), (4, 9))  # the confusions canvas users complained about


def predict_probs(model, images, batch_size=1024):
    """(N, 28, 28) uint8 -> (N, C) float32 softmax of a Keras ``model`` taking [0, 1] floats."""
    x = images.astype(np.float32)[..., None] / 255.0  # (N, 28, 28, 1)
    return model.predict(x, batch_size=batch_size, verbose=0)


def mnist_metrics(probs, labels, top=10):
    """Metrics from probabilities (N, 10 or 11) and true digits (N,), as a JSON-ready dict.

    Predictions are the argmax over the first 10 columns; ``reject_rate`` is the share of
    images whose argmax over all columns is the reject class (0 for a 10-class model).
    """
    labels = np.asarray(labels, np.int64)
    pred = np.argmax(probs[:, :NUM_DIGITS], axis=1)
    conf = np.bincount(labels * NUM_DIGITS + pred, minlength=NUM_DIGITS ** 2)
    conf = conf.reshape(NUM_DIGITS, NUM_DIGITS)  # rows: true digit, columns: predicted
    per_class = np.diag(conf) / np.maximum(conf.sum(axis=1), 1)
    off = [(int(conf[t, p]), t, p) for t in range(NUM_DIGITS) for p in range(NUM_DIGITS)
           if t != p and conf[t, p]]
    off.sort(key=lambda c: (-c[0], c[1], c[2]))
    if probs.shape[1] > JUNK:
        rejected = np.argmax(probs, axis=1) == JUNK
    else:
        rejected = np.zeros(len(labels), bool)
    return {
        "images": int(len(labels)),
        "accuracy": float(np.mean(pred == labels)),
        "errors": int(np.sum(pred != labels)),
        "per_class_accuracy": {str(d): float(a) for d, a in enumerate(per_class)},
        "confusion_matrix": conf.tolist(),
        "most_confused": [{"true": t, "pred": p, "count": c} for c, t, p in off[:top]],
        "watched_pairs": {f"{a}<->{b}": {f"{a}->{b}": int(conf[a, b]), f"{b}->{a}": int(conf[b, a]),
                                         "total": int(conf[a, b] + conf[b, a])}
                          for a, b in WATCHED_PAIRS},
        "reject_rate": float(np.mean(rejected)),
    }


def format_metrics(m):
    """The metrics of :func:`mnist_metrics` as lines of text for the terminal."""
    lines = [f"MNIST test accuracy: {100 * m['accuracy']:.2f}% "
             f"({m['errors']} errors of {m['images']}, reject class ignored)",
             "per class: " + "  ".join(f"{d}: {100 * a:.2f}%"
                                       for d, a in m["per_class_accuracy"].items()),
             "most confused (true->pred: count):"]
    lines += [f"  {c['true']}->{c['pred']}: {c['count']}" for c in m["most_confused"]]
    lines.append("watched pairs: " + "  ".join(
        f"{k}: {v['total']} ({', '.join(f'{d} {n}' for d, n in v.items() if d != 'total')})"
        for k, v in m["watched_pairs"].items()))
    n_rej = round(m["reject_rate"] * m["images"])
    lines.append(f"reject class chosen: {100 * m['reject_rate']:.2f}% "
                 f"({n_rej} of {m['images']} MNIST test digits)")
    return lines


def _classify_all(classifier, images, batch=1000):
    """Run the traced classifier over (N, 28, 28) uint8 in batches -> (N, C) probabilities."""
    return np.concatenate([classifier(images[i:i + batch]) for i in range(0, len(images), batch)])


def main(args):
    """``inkdigits evaluate``: print MNIST test metrics of a model (default: the shipped one)."""
    from recognizer.classifier import ModelError, load_classifier
    from training.data import DataError, load_mnist

    try:
        images, labels = load_mnist(args.data, "test")
        classifier = load_classifier(args.model)
    except (DataError, ModelError) as exc:
        print(f"inkdigits evaluate: {exc}", file=sys.stderr)
        return 2
    print(f"model: {args.model or 'shipped (recognizer/models/digits.keras)'}")
    for line in format_metrics(mnist_metrics(_classify_all(classifier, images), labels)):
        print(line)
    return 0

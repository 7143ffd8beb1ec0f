"""The model card (JSON) and plots written next to every trained model.

Files in ``out_dir``: ``model_card.json``, ``learning_curves.png``, ``confusion_matrix.png``
and ``errors.png`` (the misclassified MNIST test digits). Test metrics use the 10,000 MNIST
test images, which are never used for training or model selection.
"""
import datetime
import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from recognizer.constants import NUM_DIGITS
from training.data import data_dir, file_hashes, load_mnist
from training.evaluate import mnist_metrics, predict_probs

MODEL_FILE = "digits.keras"
CARD_FILE = "model_card.json"
REPO = Path(__file__).resolve().parents[1]


def write_report(out_dir, model, history, config, seconds, data=None, test_limit=None):
    """Evaluate ``model`` on MNIST test and write the card and plots to ``out_dir``.

    ``history`` is Keras' ``History.history`` (metric -> list per epoch), ``config`` the run's
    settings with its ``command``, ``seconds`` the training wall time, ``data`` the data
    directory (as for :func:`training.data.load_mnist`), ``test_limit`` the number of test
    images to use (all when None; fewer only for tests). Returns the card as a dict.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images, labels = load_mnist(data, "test")
    if test_limit is not None:
        images, labels = images[:test_limit], labels[:test_limit]
    probs = predict_probs(model, images)
    history = {k: [float(v) for v in vals] for k, vals in dict(history).items()}
    card = _card(out, model, history, config, seconds, data, mnist_metrics(probs, labels))
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    plot_learning_curves(history, out / "learning_curves.png")
    plot_confusion(np.array(card["test"]["confusion_matrix"]), out / "confusion_matrix.png")
    plot_errors(images, labels, probs, out / "errors.png")
    return card


def regenerate(run_dir, data=None, test_limit=None):
    """Rebuild card and plots from ``run_dir`` (``digits.keras``, ``history.json``,
    ``config.json``) without retraining. Training time comes from ``config["seconds"]``
    or the existing card."""
    import keras

    run = Path(run_dir)
    model = keras.saving.load_model(run / MODEL_FILE, compile=False)
    history = json.loads((run / "history.json").read_text())
    config = json.loads((run / "config.json").read_text())
    seconds = config.get("seconds")
    if seconds is None and (run / CARD_FILE).is_file():
        seconds = json.loads((run / CARD_FILE).read_text()).get("training_seconds")
    data = data if data is not None else config.get("data")
    return write_report(run, model, history, config, seconds, data, test_limit)


def _card(out, model, history, config, seconds, data, metrics):
    """The model card as a JSON-ready dict."""
    root = data_dir(data)
    return {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": config.get("command"),
        "test": metrics,
        "train_writers": config.get("train_writers"),   # pen writers (training.splits)
        "parameters": int(model.count_params()),
        "training_seconds": None if seconds is None else round(float(seconds), 1),
        "epochs": _epochs(history, config.get("monitor", "val_accuracy")),  # as train.py
        "data": {"dir": str(root) if root else "keras.datasets.mnist",
                 "sha256": file_hashes(data)},
        "git": config.get("git") or git_state(),   # the code as training started
        "versions": versions(),
        "model_file": file_info(out / MODEL_FILE),
        "config": config,
    }


def _epochs(history, monitor):
    """Final and best epoch metrics; best by ``monitor`` (max for accuracies, else min)."""
    n = max((len(v) for v in history.values()), default=0)
    if n == 0:
        return {"ran": 0, "final": {}, "best": {}}
    at = lambda i: {k: v[i] for k, v in history.items() if len(v) == n}  # noqa: E731
    series = history.get(monitor) or history.get("loss")
    best = int(np.argmax(series) if "acc" in monitor else np.argmin(series)) if series else n - 1
    return {"ran": n, "monitor": monitor, "final": at(n - 1),
            "best": {"epoch": best + 1, **at(best)}}


def versions():
    """The versions of Python and the libraries a model was trained with."""
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def git_state():
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout holding this code."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    try:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        dirty = None
    return {"commit": commit, "dirty": dirty}


def file_info(path):
    """sha256 and size of ``path``, or None when it does not exist (yet)."""
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return {"name": path.name, "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def _figure(width, height):
    """A matplotlib Figure drawn by Agg, without pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_learning_curves(history, path):
    """Loss and accuracy per epoch, training and validation, side by side."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(10, 4)
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "accuracy")):
        for key, style in ((metric, "-o"), (f"val_{metric}", "-s")):
            if history.get(key):
                ax.plot(range(1, len(history[key]) + 1), history[key], style, ms=3,
                        label="validation" if key.startswith("val_") else "training")
        ax.set(title=metric, xlabel="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def plot_confusion(conf, path):
    """The (10, 10) confusion matrix, every cell annotated; colour shows the errors only,
    since the diagonal would otherwise wash them out."""
    fig = _figure(7, 6)
    ax = fig.subplots()
    errors = conf * (1 - np.eye(len(conf), dtype=conf.dtype))
    im = ax.imshow(errors, cmap="Reds", vmin=0, vmax=max(int(errors.max()), 1))
    for (t, p), n in np.ndenumerate(conf):
        ax.text(p, t, str(n), ha="center", va="center", fontsize=7,
                fontweight="bold" if t == p else "normal",
                color="white" if t != p and n > 0.6 * errors.max() else "black")
    ticks = range(len(conf))
    ax.set(xticks=ticks, yticks=ticks, xlabel="predicted", ylabel="true",
           title=f"MNIST test confusion ({int(np.trace(conf))}/{int(conf.sum())} right)")
    fig.colorbar(im, ax=ax, label="errors")
    fig.tight_layout()
    fig.savefig(path)


def plot_errors(images, labels, probs, path, limit=100):
    """A gallery of up to ``limit`` misclassified digits titled ``true→pred (p)``,
    the most confident mistakes first."""
    pred = np.argmax(probs[:, :NUM_DIGITS], axis=1)
    wrong = np.flatnonzero(pred != labels)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:limit]
    cols = 10
    rows = max(1, -(-len(wrong) // cols))
    fig = _figure(cols * 1.1, rows * 1.25 + 0.4)
    fig.suptitle(f"{int(np.sum(pred != labels))} misclassified MNIST test digits "
                 f"(true→predicted, confidence); {len(wrong)} shown")
    for k, ax in enumerate(fig.subplots(rows, cols, squeeze=False).ravel()):
        ax.axis("off")
        if k < len(wrong):
            i = wrong[k]
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"{labels[i]}→{pred[i]} ({probs[i, pred[i]]:.2f})", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":  # python -m training.report RUN_DIR [DATA_DIR]
    print(json.dumps(regenerate(*sys.argv[1:3])["test"]["watched_pairs"]))

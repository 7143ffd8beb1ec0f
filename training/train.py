"""``inkdigits train``: prepare data -> build model -> train -> save model, card and plots.

Training data: MNIST's 60k training images less a 5k validation split, plus pen digits of
the ``train`` writers of pendigits and UNIPEN (``training.splits``) rendered through the
inference normalisation, plus junk crops for the reject class made from the same digits. The MNIST test set is used only by the report, after training.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

from recognizer.constants import NUM_CLASSES
from training.augment import augment_batch
from training.data import data_dir, load_mnist

MNIST_VAL = 5000
PEN_VARIANTS = 5        # jittered renderings of each training pen digit
JUNK_SHARE = 0.12       # junk crops as a share of the whole training set
PEN_SOURCES = ("pendigits", "unipen")


def train_digits(data, sources=PEN_SOURCES):
    """The PenDigits of the ``train`` writers (``training.splits``) of ``sources``."""
    from training.compose import load_digits
    from training.splits import select

    return [d for src in sources for d in select(load_digits(data, src), "train")]


def pen_crops(data, seed, limit=None, sources=PEN_SOURCES):
    """Crops of training writers' pen digits: ((fit images, labels), (val images, labels),
    fit digits, val digits); the digits are returned for making junk from the same split."""
    from training.pen_data import render_digits

    digits = train_digits(data, sources)
    rng = np.random.default_rng(seed)
    digits = [digits[i] for i in rng.permutation(len(digits))][:limit]
    n_val = max(1, len(digits) // 10)
    fit, val = digits[n_val:], digits[:n_val]
    fx, fy = render_digits(fit, PEN_VARIANTS, seed)
    vx, vy = render_digits(val, 1, seed + 1)
    return (fx, fy), (vx, vy), fit, val


def prepare_data(args):
    """Training and validation arrays, (N, 28, 28) uint8 images and (N,) uint8 labels, and
    the ids of the pen writers they hold (``training.splits``)."""
    x, y = load_mnist(args.data, "train")
    rng = np.random.default_rng(args.seed)
    idx = rng.permutation(len(x))
    val_idx, fit_idx = idx[:MNIST_VAL], idx[MNIST_VAL:]
    if args.limit:
        fit_idx, val_idx = fit_idx[:args.limit], val_idx[:max(1, args.limit // 5)]
    parts = [(x[fit_idx], y[fit_idx])]
    val = [(x[val_idx], y[val_idx])]
    writers = []
    if not args.no_pen:
        from training.pen_data import render_junk

        from training.splits import writer_id

        (fx, fy), (vx, vy), fit, val_digits = pen_crops(
            args.data, args.seed, args.limit, getattr(args, "pen_source", None) or PEN_SOURCES)
        parts.append((fx, fy))
        val.append((vx, vy))
        n_fit = sum(len(p[0]) for p in parts)
        parts.append(render_junk(fit, int(n_fit * JUNK_SHARE / (1 - JUNK_SHARE)), args.seed + 2))
        val.append(render_junk(val_digits, max(1, len(vx) // 5), args.seed + 3))
        writers = sorted({writer_id(d.writer) for d in fit + val_digits})
    for folder in args.extra_ink or []:
        from training.extra_ink import load_extra_ink
        from recognizer.normalize import normalize_many

        from training.finetune import FinetuneConfig

        cap = getattr(args, "per_profile", None) or FinetuneConfig().per_profile
        samples = load_extra_ink(folder, per_profile=cap)
        if samples:
            parts.append((normalize_many([s for s, _ in samples]),
                          np.array([label for _, label in samples], np.uint8)))
    cat = lambda ps: (np.concatenate([p[0] for p in ps]), np.concatenate([p[1] for p in ps]))
    return cat(parts), cat(val), writers


def make_dataset(images, labels, batch_size, seed, training):
    """tf.data pipeline of (B, 28, 28, 1) float32 in [0, 1] and one-hot labels.

    In training the batches are reshuffled every epoch and distorted by ``augment_batch``
    with a fresh seed drawn from a seeded stream, so runs are reproducible.
    """
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if training:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(batch_size)
    if training:
        seeds = tf.data.Dataset.random(seed=seed)
        ds = tf.data.Dataset.zip((ds, seeds))

        def aug(pair, s):
            x, y = pair
            x = tf.numpy_function(lambda a, k: augment_batch(a, int(k)), [x, s], tf.uint8)
            return tf.ensure_shape(x, [None, 28, 28]), y
        ds = ds.map(aug)

    def to_float(x, y):
        return tf.cast(x, tf.float32)[..., None] / 255.0, tf.one_hot(tf.cast(y, tf.int32), NUM_CLASSES)
    return ds.map(to_float).prefetch(2)


def fit(model, train, val, args, out):
    """Train with cosine-decayed Adam, early stopping and best-weights checkpointing."""
    import keras

    steps = int(np.ceil(len(train[0]) / args.batch_size))
    peak = getattr(args, "learning_rate", None)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, steps * args.epochs),
        warmup_target=2e-3 if peak is None else peak,
        warmup_steps=min(steps, 500), alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.05),
                  metrics=["accuracy"])
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=args.patience,
                                      restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(out / "checkpoint.keras", monitor="val_accuracy",
                                        save_best_only=True),
    ]
    history = model.fit(
        make_dataset(*train, args.batch_size, args.seed, True), steps_per_epoch=steps,
        validation_data=make_dataset(*val, 512, args.seed, False), epochs=args.epochs,
        callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2)
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}


def save_for_inference(model, path):
    """Save architecture and weights only: no optimizer state, a third of the size."""
    import keras

    slim = keras.Model.from_config(model.get_config())
    slim.set_weights(model.get_weights())
    slim.save(path)


def main(args):
    """Entry point of ``inkdigits train``; returns the exit code."""
    import keras

    from training.data import DataError
    from training.model import build_model
    from training.report import git_state

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    config = {k: v for k, v in vars(args).items() if k not in ("run", "argv")}
    config["command"] = "inkdigits " + " ".join(getattr(args, "argv", sys.argv[1:]))
    config["data"] = str(data_dir(args.data)) if data_dir(args.data) else None
    config["git"] = git_state()     # before training: the tree may change while it runs
    try:
        train, val, writers = prepare_data(args)
    except DataError as exc:
        print(f"inkdigits train: {exc}", file=sys.stderr)
        return 2
    model = build_model()
    if getattr(args, "init", None):
        try:
            model.set_weights(_weights_of(args.init))
            writers = sorted(set(writers) | _writers_of(args.init))
        except (OSError, ValueError) as exc:
            print(f"inkdigits train: --init {args.init}: {exc}", file=sys.stderr)
            return 2
    config.update(train_writers=writers,
                  train_size=len(train[0]), val_size=len(val[0]),
                  train_class_counts=np.bincount(train[1], minlength=NUM_CLASSES).tolist())
    print(f"training on {len(train[0])} crops, validating on {len(val[0])}", flush=True)
    start = time.time()
    history = fit(model, train, val, args, out)
    seconds = time.time() - start
    save_for_inference(model, out / "digits.keras")
    (out / "history.json").write_text(json.dumps(history, indent=1))
    (out / "config.json").write_text(json.dumps(config, indent=1))
    from training.report import write_report

    write_report(out, model, history, config, seconds, data=args.data)
    print(f"saved {out / 'digits.keras'} after {seconds:.0f} s", flush=True)
    if args.extra_ink and not _guarded(out / "digits.keras", args):
        return 1
    _export(out / "digits.keras", paths=False)
    return 0


def _weights_of(path):
    """The weights of the digit CNN at ``path``: training goes on from where it stopped,
    with a new schedule. ValueError for a file that is no model of this architecture."""
    import keras

    from training.model import build_model

    if not Path(path).is_file():
        raise ValueError("model file not found")
    try:
        weights = keras.saving.load_model(path, compile=False).get_weights()
    except Exception as exc:       # Keras raises many kinds for a file that is no model
        raise ValueError(f"not a readable Keras model ({exc})") from None
    shapes = [w.shape for w in build_model().get_weights()]
    if [w.shape for w in weights] != shapes:
        raise ValueError("not a digit CNN of this architecture (training.model)")
    return weights


def _writers_of(path):
    """The pen writers that trained the model at ``path``, from the card beside it, so that
    the model trained on from it names them too (``--split test`` checks them). ValueError
    when no card says: a model of unknown writers may have seen test writers."""
    from training.splits import trained_writers

    card = Path(path).with_name("model_card.json")
    writers = trained_writers(json.loads(card.read_text())) if card.is_file() else None
    if writers is None:
        raise ValueError(f"no {card.name} beside it names the writers that trained it")
    return set(writers)


def _guarded(path, args):
    """Corrections went in: the model ships only if no worse than the one it replaces
    (``training.finetune.guard``)."""
    from recognizer.classifier import SHIPPED_MODEL
    from training.finetune import FinetuneConfig, guard

    tolerance = getattr(args, "tolerance", None)
    return guard(path, getattr(args, "replaces", None) or SHIPPED_MODEL, args.data,
                 FinetuneConfig().tolerance if tolerance is None else tolerance,
                 limit=args.limit)


def _export(path, paths):
    """The LiteRT export beside a trained model (``training.export``), or a note why not."""
    from training.export import export_lite

    try:
        tflite, worst = export_lite(path, paths)
    except (ImportError, ValueError) as exc:
        print(f"no LiteRT export ({exc}); serving falls back to Keras", flush=True)
        return
    print(f"exported {tflite} (within {worst:.1e} of Keras)", flush=True)

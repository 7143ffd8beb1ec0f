"""``inkdigits average-sequence``: several trained sequence readers as one.

Readers trained alike from other seeds err on different drawings; their product of
experts (each text's log-likelihood averaged over the readers) is read from one Keras
model whose output holds every member's log-probabilities side by side, saved, carded
and exported like a single reader. Its card names its members' cards and the union of
their train writers.
"""
import datetime
import json
import sys
from pathlib import Path

from training.train_sequence import CARD_FILE, MODEL_FILE


def average_models(models):
    """One (None, None, 5) -> (None, None, M, 11) Keras model: the log-softmax outputs of
    the M ``models`` side by side. Members of CTC readers place a digit's peak at steps
    of their own, so their outputs are not averaged per step (that blurs the peaks: best
    path then drops digits); ``recognizer.sequence.log_likelihoods`` averages each text's
    log-likelihood over the members instead."""
    import keras
    from keras import layers

    from recognizer.sequence import BLANK, SEQUENCE_FEATURES

    if len(models) < 2:
        raise ValueError("averaging takes two or more sequence readers")
    inputs = keras.Input((None, SEQUENCE_FEATURES))
    outs = []
    for i, m in enumerate(models):
        member = keras.Model(m.input, m.output, name=f"member_{i}")
        out = layers.Activation(keras.activations.log_softmax, name=f"log_softmax_{i}")(
            member(inputs))
        outs.append(layers.Reshape((-1, 1, BLANK + 1), name=f"member_axis_{i}")(out))
    return keras.Model(inputs, layers.Concatenate(axis=2, name="members")(outs),
                       name="inkdigits_sequence_average")


def member_card(path):
    """The card beside a member's model file (``sequence_card.json``); ValueError if none."""
    card = Path(path).parent / CARD_FILE
    if not card.is_file():
        raise ValueError(f"{path}: no {CARD_FILE} beside it (train it with "
                         f"`inkdigits train-sequence`)")
    return json.loads(card.read_text())


def main(args):
    """Entry point of ``inkdigits average-sequence``; returns the exit code."""
    from recognizer.classifier import ModelError
    from recognizer.quiet import import_tensorflow
    from training.compose import load_digits
    from training.data import DataError
    from training.report import file_info, git_state, versions
    from training.train_sequence import dev_exact, export_beside

    import_tensorflow()
    import keras

    git = git_state()
    try:
        cards = [member_card(p) for p in args.models]
        models = []
        for p in args.models:
            try:
                models.append(keras.saving.load_model(p, compile=False))
            except Exception as exc:  # Keras raises many types for a bad archive
                raise ModelError(f"{p}: not a readable Keras model ({exc})") from None
        model = average_models(models)
        digits = {src: load_digits(args.data, src) for src in ("pendigits", "unipen")}
    except (DataError, ModelError, OSError, ValueError) as exc:
        print(f"inkdigits average-sequence: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE)
    dev = dev_exact(model, digits, args.dev_count)
    card = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "inkdigits " + " ".join(getattr(args, "argv", sys.argv[1:])),
        "members": [{"path": str(p), "model_file": file_info(Path(p)), "command": c.get("command"),
                     "created": c.get("created")} for p, c in zip(args.models, cards)],
        "dev_best_path_exact": dev,
        "parameters": int(model.count_params()),
        "train_writers": sorted({w for c in cards for w in c.get("train_writers", [])}),
        "config": {k: v for k, v in vars(args).items() if k not in ("run", "argv")},
        "git": git,
        "versions": versions(),
        "model_file": file_info(out / MODEL_FILE),
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=1))
    print(f"saved {out / MODEL_FILE} ({len(models)} readers averaged)", flush=True)
    export_beside(out / MODEL_FILE)
    return 0

"""``inkdigits`` subcommands. Each subcommand imports its package only when it runs,
so ``inkdigits --help`` is instant and no model is loaded unless needed."""
import argparse
import os
import sys


def _serve(sub):
    p = sub.add_parser("serve", help="serve the web app with a production WSGI server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--model", default=None, help="model file (default: the shipped model)")
    p.add_argument("--database", default=None,
                   help="the store: an SQLite file (default: instance/inkdigits.sqlite) or a "
                        "postgresql://user@host/db URL shared by every worker")
    p.add_argument("--workers", type=_positive, default=1,
                   help="processes; 1: waitress in this process (default); N > 1: gunicorn "
                        "with N worker processes, each loading the models after the fork "
                        "(Linux, macOS); --threads, --connection-limit, --recognitions and "
                        "--samples-per-minute then apply to each worker")
    p.add_argument("--threads", type=_positive, default=32,
                   help="worker threads; many more than --recognitions, so requests wait in "
                        "the app (bounded by --queue-wait), not unseen in waitress' queue, and "
                        "health checks are answered while drawings are read (default 32)")
    p.add_argument("--connection-limit", type=_positive, default=1000,
                   help="open connections at once, idle ones included (default 1000)")
    p.add_argument("--channel-timeout", type=_positive_float, default=15.0, metavar="S",
                   help="seconds before an idle connection is closed (default 15)")
    p.add_argument("--backlog", type=_positive, default=1024,
                   help="connections waiting to be accepted (default 1024)")
    p.add_argument("--recognitions", type=_positive, default=4,
                   help="drawings read at once; the rest wait (default 4)")
    p.add_argument("--queue-wait", type=_positive_float, default=2.0, metavar="S",
                   help="seconds a request waits to be read before a 503 (default 2)")
    p.add_argument("--request-deadline", type=_positive_float, default=3.0, metavar="S",
                   help="seconds of work per request before a 503 (default 3)")
    p.add_argument("--samples-per-minute", type=int, default=30, metavar="N",
                   help="samples one client may save a minute; 0: no limit (default 30)")
    p.add_argument("--max-store-mb", type=_positive, default=1024, metavar="MB",
                   help="size cap of the corrections database in MiB (default 1024)")
    p.add_argument("--allowed-host", dest="allowed_hosts", action="append", default=[],
                   metavar="NAME", help="also answer requests for this Host name (repeatable;"
                                        " '*' for any); localhost, 127.0.0.1, ::1 always are")
    p.set_defaults(run="webapp.serve:main")


def _samples(sub):
    p = sub.add_parser("samples", help="corrected drawings saved by the web app")
    ssub = p.add_subparsers(dest="samples_command", required=True)
    e = ssub.add_parser("export", help="write saved corrections to a directory")
    e.add_argument("--out", required=True)
    e.add_argument("--database", default=None,
                   help="SQLite file (default: the app's) or postgresql:// URL")
    e.add_argument("--force", action="store_true",
                   help="overwrite samples.jsonl / README.md that an earlier export did not write")
    e.set_defaults(run="webapp.samples:export_main")


def _train(sub):
    p = sub.add_parser("train", help="train the digit CNN and write model, card and plots")
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--limit", type=int, default=None,
                   help="use only this many MNIST training images (smoke runs)")
    p.add_argument("--no-pen", action="store_true", help="MNIST only: no pen digits, no junk")
    p.add_argument("--extra-ink", action="append", default=[],
                   help="directory of exported corrections to add to training")
    p.add_argument("--patience", type=int, default=4)
    p.add_argument("--pen-source", action="append", choices=("pendigits", "unipen"),
                   default=None, help="pen digits of these sources' train writers (default: both)")
    p.add_argument("--init", default=None, metavar="FILE",
                   help="start from this digit CNN's weights (.keras) instead of random ones")
    p.add_argument("--learning-rate", type=float, default=2e-3, metavar="LR",
                   help="peak of the warm-up and cosine decay (default 2e-3)")
    _guard_options(p)
    p.set_defaults(run="training.train:main")


def _guard_options(p):
    p.add_argument("--per-profile", type=_positive, default=None, metavar="N",
                   help="digits one profile's corrections may add (training.finetune default)")
    p.add_argument("--replaces", default=None, metavar="FILE",
                   help="with --extra-ink: the model the result must be no worse than on MNIST "
                        "and dev writers (default: the shipped model)")
    p.add_argument("--tolerance", type=float, default=None, metavar="POINTS",
                   help="percentage points the result may lose on a guard figure (default 0)")


def _finetune(sub):
    p = sub.add_parser("finetune", help="tune the shipped CNN on exported corrections, "
                                        "shipped only if no worse on MNIST and dev writers")
    p.add_argument("--extra-ink", action="append", required=True, metavar="DIR",
                   help="directory of exported corrections (inkdigits samples export)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--base", default=None, metavar="FILE",
                   help="the model to tune and replace (default: the shipped model)")
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    p.add_argument("--epochs", type=_positive, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--per-profile", type=_positive, default=None, metavar="N",
                   help="digits one profile's corrections may add (default 50)")
    p.add_argument("--tolerance", type=float, default=None, metavar="POINTS",
                   help="percentage points the result may lose on a guard figure (default 0)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=_positive, default=None,
                   help="replay and guard sets cut to this many (smoke runs)")
    p.set_defaults(run="training.finetune:main")


def _train_pen_path(sub):
    p = sub.add_parser("train-pen-path",
                       help="train the pen-path reader and write model and card")
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--variants", type=_positive, default=20,
                   help="paths per training digit: as written, then random variants")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--limit", type=int, default=None,
                   help="use only this many training digits (smoke runs)")
    p.add_argument("--pen-source", action="append", choices=("pendigits", "unipen"),
                   default=None, help="pen digits of these sources' train writers (default: both)")
    p.set_defaults(run="training.train_pen_path:main")


def _train_sequence(sub):
    p = sub.add_parser("train-sequence",
                       help="train the sequence reader (whole numbers, CTC) and write model and card")
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    p.add_argument("--epochs", type=_positive, default=12)
    p.add_argument("--numbers", type=_positive, default=20000,
                   help="numbers composed afresh for each epoch")
    p.add_argument("--width", type=_positive, default=96, help="channels of the network")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--varied", type=float, default=0.5,
                   help="share of each epoch's digits drawn as a random variant")
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--dev-count", type=_positive, default=200,
                   help="dev numbers per scenario read for the card")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run="training.train_sequence:main")


def _average_sequence(sub):
    p = sub.add_parser("average-sequence",
                       help="several trained sequence readers as one (their product of experts)")
    p.add_argument("models", nargs="+", help="sequence.keras files, each with its card beside it")
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    p.add_argument("--dev-count", type=_positive, default=200,
                   help="dev numbers per scenario read for the card")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(run="training.average_sequence:main")


def _evaluate(sub):
    p = sub.add_parser("evaluate", help="MNIST test accuracy and most confused pairs")
    p.add_argument("--model", default=None, help="model file (default: the shipped model)")
    p.add_argument("--data", default=None)
    p.set_defaults(run="training.evaluate:main")


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _path_model(text):
    return False if text == "none" else text


def _seeds(text):
    """"0-3" -> [0, 1, 2, 3]; "0,7,11" -> [0, 7, 11]."""
    seeds = []
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        try:
            seeds += list(range(int(lo), int(hi) + 1)) if dash else [int(lo)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"seeds are N, N-M or N,M,..., got {text!r}")
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return seeds


def _setting(text):
    from training.sweep import SweepError, parse_setting

    try:
        return parse_setting(text)
    except SweepError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _evaluate_ink(sub):
    p = sub.add_parser("evaluate-ink",
                       help="read numbers composed from dev (or test) pen writers")
    p.add_argument("--model", default=None)
    p.add_argument("--path-model", type=_path_model, default=None, metavar="FILE",
                   help="pen-path reader (default: the shipped one; none: the CNN alone)")
    p.add_argument("--sequence-model", type=_path_model, default=None, metavar="FILE",
                   help="sequence reader (default: the shipped one; none: not asked), "
                        "weighed by --set sequence_weight=W")
    p.add_argument("--data", default=None)
    p.add_argument("--split", choices=("dev", "test"), default="dev",
                   help="dev: where choices are made (default); test: only to report")
    p.add_argument("--source", action="append", choices=("pendigits", "unipen"), default=None,
                   help="only these writers (default: both, reported separately)")
    p.add_argument("--seeds", type=_seeds, default=list(range(4)), metavar="N-M",
                   help="compose the numbers with these seeds: 0-3 (default), 0,7,11")
    p.add_argument("--count", type=_positive, default=200,
                   help="numbers per scenario and seed (default: 200)")
    p.add_argument("--scenario", action="append", default=None, help="only these scenarios")
    p.add_argument("--every", type=_positive, default=1, metavar="K",
                   help="keep every K-th pen point: ink from a device that samples less often")
    p.add_argument("--set", type=_setting, action="append", default=None,
                   metavar="NAME=V1,V2",
                   help="sweep a segmentation.SegmentConfig field (repeatable: every combination)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--save-errors", default=None, metavar="DIR",
                   help="write each misread drawing to DIR/<source>/ as JSON "
                        "(for `inkdigits recognize`)")
    p.add_argument("--card", default=None, metavar="JSON",
                   help="record the test figures in this model card (its `ink_eval` entry)")
    p.set_defaults(run="training.evaluate_ink:main")


def _evaluate_adapt(sub):
    p = sub.add_parser("evaluate-adapt",
                       help="per writer: accuracy without and with a profile of their corrections")
    p.add_argument("--model", default=None)
    p.add_argument("--sequence-model", type=_path_model, default=None, metavar="FILE",
                   help="sequence reader (default: the shipped one; none: not asked)")
    p.add_argument("--data", default=None)
    p.add_argument("--split", choices=("dev", "test"), default="dev")
    p.add_argument("--source", choices=("pendigits", "unipen"), default=None,
                   help="only these writers (default: both)")
    p.add_argument("--writers", default=None, help="writer ids of the split, e.g. 26,27 "
                   "(pendigits) or apple:Fern_Anderson (UNIPEN); default: all of it")
    p.add_argument("--count", type=_positive, default=100, help="test numbers per layout")
    p.add_argument("--corrections", type=_positive, default=10, help="corrections at most")
    p.add_argument("--confirmations", type=int, default=0,
                   help="teaching numbers read right that the user also saves (learnt)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--near", type=float, default=None, help="recognizer.adapt.AdaptConfig.near")
    p.add_argument("--gain", type=float, default=None, help="recognizer.adapt.AdaptConfig.gain")
    p.add_argument("--k", type=_positive, default=None, help="recognizer.adapt.AdaptConfig.k")
    p.add_argument("--margin", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.margin")
    p.add_argument("--vouch", type=float, default=None, help="recognizer.adapt.AdaptConfig.vouch")
    p.add_argument("--untaught", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.untaught")
    p.add_argument("--junk-rival", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.junk_rival")
    p.add_argument("--habit-penalty", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.habit_penalty")
    p.add_argument("--habit-min", type=_positive, default=None,
                   help="recognizer.adapt.AdaptConfig.habit_min")
    p.add_argument("--learn-junk", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.learn_junk: learn the groups of a "
                        "corrected reading that were no digit")
    p.add_argument("--junk-ones", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.junk_ones: learn groups read as a 1 "
                        "as no digit too")
    p.add_argument("--upright-paths", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.upright_paths: weigh the pen-path "
                        "reader by the digit's crop set upright")
    p.add_argument("--guard", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.guard: the profile re-reads a drawing "
                        "only where it objects to a digit of the shared reading")
    p.add_argument("--path-weight", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.path_weight: how far the pen's path "
                        "moves a digit's lead (0: off)")
    p.add_argument("--path-margin", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.path_margin")
    p.add_argument("--path-near", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.path_near")
    p.add_argument("--sequence-weight", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.sequence_weight: the sequence "
                        "reader's weight in a profile's re-read (0: not asked)")
    p.add_argument("--sequence-mutes", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.sequence_mutes: in the re-read, the "
                        "sequence reader does not tell a digit objected to from the one "
                        "the profile pulls it to")
    p.add_argument("--regroup-sequence-weight", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.regroup_sequence_weight: the sequence "
                        "reader's weight in a re-read where the profile objects to a group "
                        "as no digit")
    p.add_argument("--learn-gap", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.learn_gap: the widest gap between "
                        "the pieces of one digit when learn aligns a correction (heights)")
    p.add_argument("--regroup-reach", type=float, default=None,
                   help="recognizer.adapt.AdaptConfig.regroup_reach: where the profile "
                        "objects to a group as no digit, its re-read stands only within "
                        "this many nats of the shared reading's best (inf: always)")
    p.add_argument("--supported", choices=("yes", "no"), default=None,
                   help="recognizer.adapt.AdaptConfig.supported: the re-read stands only "
                        "where the samples pull a digit it reads anew")
    p.add_argument("--regroup", choices=("alone", "sequence", "shared"), default=None,
                   help="recognizer.adapt.AdaptConfig.regroup: where the profile's re-read "
                        "finds another number of digits than the shared reading")
    p.add_argument("--set", type=_setting, action="append", default=None, metavar="NAME=V",
                   help="a segmentation.SegmentConfig field's value (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run="training.evaluate_adapt:main")


def _recognize(sub):
    p = sub.add_parser("recognize", help="read the number in strokes JSON files (one or many)")
    p.add_argument("file", nargs="+",
                   help='JSON: {"strokes": [...]} or a bare list of strokes; - for stdin; '
                        'several files, a directory or .jsonl files: a batch, JSON Lines out')
    p.add_argument("--model", default=None)
    p.add_argument("--path-model", type=_path_model, default=None, metavar="FILE",
                   help="pen-path reader (default: the shipped one; none: the CNN alone)")
    p.add_argument("--sequence-model", type=_path_model, default=None, metavar="FILE",
                   help="sequence reader (default: the shipped one; none: not asked)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--lines", action="store_true",
                   help='stdin is JSON Lines, one drawing a line ({"id": ..., "strokes": ...})')
    p.add_argument("--jobs", type=_positive, default=1, help="worker processes for a batch")
    p.set_defaults(run="recognizer.cli:recognize_main")


def _export_lite(sub):
    p = sub.add_parser("export-lite", help="export models to LiteRT for serving without TensorFlow")
    p.add_argument("--model", default=None, help="digit CNN .keras (default: both shipped models)")
    p.add_argument("--path-model", default=None, help="pen-path reader .keras")
    p.add_argument("--sequence-model", default=None, help="sequence reader .keras")
    p.set_defaults(run="training.export:main")


EXIT_BROKEN_PIPE = 141     # 128 + SIGPIPE, what a shell reports for a command killed by it


def build_parser():
    parser = argparse.ArgumentParser(prog="inkdigits", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_serve, _train, _train_pen_path, _train_sequence, _average_sequence, _finetune,
                _evaluate, _evaluate_ink, _evaluate_adapt, _recognize, _samples, _export_lite):
        add(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ logs off the terminal
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for run records
    module, func = args.run.split(":")
    import importlib

    try:
        return getattr(importlib.import_module(module), func)(args) or 0
    except BrokenPipeError:
        # the reader of our output went away (`inkdigits recognize ... | head -1`): stop
        # quietly, as a command killed by SIGPIPE would, not with a traceback
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass                          # stdout without a file descriptor (a test's)
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())

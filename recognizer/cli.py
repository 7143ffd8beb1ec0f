"""``inkdigits recognize FILE.json``: read the number in a strokes file, or many.

The file holds ``{"strokes": [...]}`` or a bare list of strokes, each a list of
``[x, y]`` or ``[x, y, t]`` points (the ink format of ``segmentation``); ``-`` reads
standard input. Prints the number, its alternatives and one line per digit, or with
``--json`` the result as ``result_to_dict`` gives it. Bad input: one line on stderr, exit 2.

Several files, a directory, a ``.jsonl`` file or ``--lines`` (standard input as JSON
Lines) make a batch (``recognizer.batch``): one JSON line per drawing on stdout, in input
order, a progress bar on stderr, ``--jobs N`` processes; exit 1 when some drawings failed
(each has its error line), 2 when nothing could be read.
"""
import json
import sys

EXIT_BAD_INPUT = 2
JSON_TYPES = {dict: "an object", str: "a string", float: "a number", bool: "true/false",
              type(None): "null"}


class InputError(Exception):
    """The input cannot be read as a drawing; the message says why, in one line."""


def read_strokes(file):
    """The strokes in ``file`` (a path, or "-" for stdin), not yet validated."""
    name = "<stdin>" if file == "-" else file
    try:
        text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        # numbers as floats: coordinates are floats, and a 400-digit integer becomes inf
        # (which validation names) instead of overflowing
        doc = json.loads(text, parse_int=float)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno} "
                         f"column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply to be a drawing") from None
    return strokes_of(doc, name)


def strokes_of(doc, name):
    """The strokes of a parsed JSON document: ``{"strokes": [...]}`` or a bare list."""
    if isinstance(doc, dict):
        if "strokes" not in doc:
            raise InputError(f'{name}: a JSON object needs a "strokes" key '
                             f"(found: {', '.join(map(str, list(doc)[:5])) or 'no keys'})")
        doc = doc["strokes"]
    if not isinstance(doc, list):
        raise InputError(f'{name}: expected {{"strokes": [...]}} or a list of strokes, '
                         f"got {JSON_TYPES.get(type(doc), type(doc).__name__)}")
    return doc


def format_result(res):
    """The plain-text report of a Recognition: number, alternatives, one line per digit."""
    if not res.digits:
        return "(no digits)"
    lines = [res.text]
    if res.alternatives:
        alts = ", ".join(f"{a.text} ({a.score:.2f})" for a in res.alternatives)
        lines.append(f"alternatives: {alts}")
    lines.append(f"score: {res.score:.3f}")
    lines.append(f"{'#':>2} {'digit':>5} {'conf':>6}  {'bbox (x0, y0, x1, y1)':<34} strokes")
    for i, d in enumerate(res.digits):
        box = ", ".join(f"{v:.1f}" for v in d.bbox)
        strokes = " ".join(map(str, d.strokes))
        lines.append(f"{i:>2} {d.label:>5} {d.confidence:>6.3f}  {'(' + box + ')':<34} {strokes}")
    return "\n".join(lines)


def recognize_main(args):
    """Entry point of ``inkdigits recognize``; returns the exit status."""
    from recognizer import InvalidInk, ModelError, NumberRecognizer, result_to_dict
    from recognizer.batch import expand

    files = expand(args.file)
    single = len(args.file) == 1 and files == args.file and not args.lines and \
        not args.file[0].endswith(".jsonl")
    if not single:
        return _batch(files, args)
    name = "<stdin>" if args.file[0] == "-" else args.file[0]
    try:
        strokes = read_strokes(args.file[0])
        res = NumberRecognizer.load(args.model, **readers(args)).recognize(strokes)
    except InputError as exc:
        return _fail(str(exc))
    except InvalidInk as exc:
        return _fail(f"{name}: invalid ink: {exc}")
    except ModelError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(result_to_dict(res)))
    else:
        print(format_result(res))
    return 0


def readers(args):
    """The pen-path and sequence readers asked for (``--path-model``, ``--sequence-model``:
    a file, False for none, None for the shipped one), as ``NumberRecognizer.load`` takes them."""
    return {"path_model": getattr(args, "path_model", None),
            "sequence_model": getattr(args, "sequence_model", None)}


def _batch(files, args):
    from recognizer import ModelError
    from recognizer.batch import Progress, iter_drawings, run

    if not files:
        return _fail(f"no .json or .jsonl files in {', '.join(args.file)}")
    known = all(f != "-" and not f.endswith(".jsonl") for f in files)
    progress = Progress(total=len(files) if known else None)
    try:
        done, failed = run(iter_drawings(files, stdin_lines=True), sys.stdout, jobs=args.jobs,
                           model=args.model, progress=progress, **readers(args))
    except ModelError as exc:
        return _fail(str(exc))
    progress.finish(done, failed)
    return 1 if failed else 0


def _fail(message):
    print(f"inkdigits recognize: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT

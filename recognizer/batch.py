"""Batch recognition: many drawings in, one JSON line per drawing out, in input order.

Inputs are ``.json`` files (one drawing: ``{"strokes": [...]}`` or a bare list), ``.jsonl``
files and standard input as JSON Lines (one drawing a line, ``{"id": ..., "strokes": ...}``
with an optional ``id``), and directories (their ``.json`` and ``.jsonl`` files, sorted).
Each output line is ``{"id": ..., **result_to_dict(result)}`` or ``{"id": ..., "error":
message}``: a bad drawing never stops the batch. Work is read and written in chunks, so
memory stays bounded however long the input; ``jobs`` worker processes each load the
models once (spawned, not forked: TensorFlow does not survive a fork).
"""
import json
import multiprocessing as mp
import os
import sys
import time
from itertools import islice
from pathlib import Path

CHUNK = 64                      # drawings handed to a worker at once
MAX_LINE = 4 << 20              # bytes of one JSON line: far above any drawing the limits accept


class Drawing:
    """One input: its ``id``, and its ``strokes`` or the ``error`` that made them unreadable."""

    __slots__ = ("id", "strokes", "error")

    def __init__(self, id, strokes=None, error=None):
        self.id, self.strokes, self.error = id, strokes, error


def expand(paths):
    """The files to read, in order: directories become their sorted .json/.jsonl files."""
    out = []
    for p in paths:
        if p != "-" and Path(p).is_dir():
            out.extend(str(f) for f in sorted(Path(p).iterdir())
                       if f.suffix in (".json", ".jsonl") and f.is_file())
        else:
            out.append(p)
    return out


def iter_drawings(paths, stdin_lines=True):
    """Every drawing of ``paths`` (``-``: stdin, read as JSON Lines when ``stdin_lines``)."""
    from recognizer.cli import InputError, read_strokes, strokes_of

    for path in paths:
        lines = path.endswith(".jsonl") or (path == "-" and stdin_lines)
        if not lines:
            try:
                yield Drawing(path, read_strokes(path))
            except InputError as exc:
                yield Drawing(path, error=str(exc))
            continue
        name = "<stdin>" if path == "-" else path
        try:
            f = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as exc:
            yield Drawing(path, error=f"{name}: cannot read ({exc.strerror})")
            continue
        with f:
            for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE + 1), b""), 1):
                default = number if path == "-" else f"{path}:{number}"
                if len(raw) > MAX_LINE:
                    yield Drawing(default, error=f"{name}:{number}: line longer than {MAX_LINE} bytes")
                    while raw and not raw.endswith(b"\n"):
                        raw = f.readline(MAX_LINE + 1)
                    continue
                if not raw.strip():
                    continue
                yield _parse_line(raw, default, f"{name}:{number}", strokes_of, InputError)


def _parse_line(raw, default, where, strokes_of, InputError):
    try:
        doc = json.loads(raw.decode("utf-8"), parse_int=float)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Drawing(default, error=f"{where}: not valid JSON ({exc.__class__.__name__})")
    ident = doc.get("id", default) if isinstance(doc, dict) else default
    if not isinstance(ident, (str, int, float)) or isinstance(ident, bool):
        return Drawing(default, error=f"{where}: id must be a string or a number")
    try:
        return Drawing(ident, strokes_of(doc, where))
    except InputError as exc:
        return Drawing(ident, error=str(exc))


_worker = {}


def _init(model, path_model, threads=None, sequence_model=None):
    """Load the models in this (worker) process; ``threads`` caps TensorFlow's threads, so
    that N workers on N cores do not each start a pool as large as the machine."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads:
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                     "INKDIGITS_THREADS"):
            os.environ[name] = str(threads)
    from recognizer import NumberRecognizer

    _worker["rec"] = NumberRecognizer.load(model, path_model=path_model,
                                           sequence_model=sequence_model)


def _read_chunk(chunk):
    """(output line, failed) of each of a chunk of (id, strokes, error), in the worker."""
    from recognizer import InvalidInk, result_to_dict

    rec, out = _worker["rec"], []
    for ident, strokes, error in chunk:
        if error is None:
            try:
                row = {"id": ident, **result_to_dict(rec.recognize(strokes))}
            except InvalidInk as exc:
                row = {"id": ident, "error": f"invalid ink: {exc}"}
        else:
            row = {"id": ident, "error": error}
        out.append((json.dumps(row, separators=(",", ":")), "error" in row))
    return out


def run(drawings, out, jobs=1, model=None, path_model=None, progress=None,
        sequence_model=None):
    """Read every drawing, writing one line each to ``out`` in input order, with the
    models of ``NumberRecognizer.load`` (None: the shipped ones; False: that reader off).

    Returns ``(read, failed)`` counts. ``progress(done, failed)`` is called after each chunk.
    """
    chunks = iter(lambda: [(d.id, d.strokes, d.error) for d in islice(drawings, CHUNK)], [])
    done = failed = 0

    def emit(rows):
        nonlocal done, failed
        for line, bad in rows:
            out.write(line + "\n")
            failed += bad
        done += len(rows)
        out.flush()
        if progress:
            progress(done, failed)

    if jobs <= 1:
        _init(model, path_model, sequence_model=sequence_model)
        for chunk in chunks:
            emit(_read_chunk(chunk))
        return done, failed
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with mp.get_context("spawn").Pool(jobs, _init, (model, path_model, threads,
                                                    sequence_model)) as pool:
        # at most 2 chunks per worker in flight: bounded memory however long the input
        pending = []
        for chunk in chunks:
            pending.append(pool.apply_async(_read_chunk, (chunk,)))
            if len(pending) >= 2 * jobs:
                emit(pending.pop(0).get())
        for p in pending:
            emit(p.get())
    return done, failed


class Progress:
    """A one-line progress bar on stderr, redrawn at most 10 times a second where stderr
    is a terminal; elsewhere (a log file) only the final line is written."""

    def __init__(self, stream=None, total=None):
        self.stream, self.total = stream or sys.stderr, total
        self.start = self.last = time.monotonic()
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done, failed):
        now = time.monotonic()
        if not self.live or now - self.last < 0.1:
            return
        self.last = now
        self.stream.write("\r" + self.line(done, failed))
        self.stream.flush()

    def line(self, done, failed):
        rate = done / max(time.monotonic() - self.start, 1e-9)
        bar = ""
        if self.total:
            filled = int(30 * done / self.total)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} "
        else:
            bar = f"{done} "
        return f"{bar}drawings, {failed} failed, {rate:.0f}/s"

    def finish(self, done, failed):
        self.stream.write(("\r" if self.live else "") + self.line(done, failed) + "\n")
        self.stream.flush()

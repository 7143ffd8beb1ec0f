"""``inkdigits samples export``: the corrections database as files for training.

Export format (``DIR/samples.jsonl`` plus ``DIR/README.md`` describing it): one JSON
object per line, oldest first::

    {"id": 3, "created": "2026-11-24T22:10:01.123+00:00", "label": "170",
     "predicted": "110", "model_version": "1a2b3c4d5e6f+v1",
     "strokes": [[[x, y, t], ...], ...], "key": null, "profile_id": "Xq3...",
     "readers": "pen_path=0a1b2c3d4e5f;sequence=5f4e3d2c1b0a"}

``strokes`` is the ink exactly as the page sent it: strokes in pen order, points
``[x, y]`` or ``[x, y, t]`` in canvas pixels (y down), t in ms. ``label`` is the number
the writer meant, ``predicted`` what the model read, ``profile_id`` the anonymous profile
of the browser that sent it (null before profiles, or from a client without one), so a
trainer can cap what one writer contributes. ``training/extra_ink.py`` reads it.
The database is a SQLite path or a ``postgresql://`` URL, as for ``inkdigits serve``.
"""
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from webapp import db

SAMPLES_FILE = "samples.jsonl"
README_FILE = "README.md"
README_TITLE = "# inkdigits corrections"

README = README_TITLE + """

`samples.jsonl`: one JSON object per line, one per corrected drawing, oldest first.

| field | meaning |
|---|---|
| `id` | row id in the web app's database |
| `created` | when it was saved, ISO 8601 UTC |
| `label` | the number the writer meant (string of digits 0-9) |
| `predicted` | what the model read when it was saved |
| `model_version` | sha256 prefix of the model file [+ model card version] |
| `readers` | the readers beside the CNN that read it: `pen_path=<sha256 prefix>;sequence=<...>` (null before they were recorded) |
| `strokes` | the drawing: strokes in pen order, each a list of `[x, y, t]` points (canvas pixels, origin top-left, y down; t in ms) |
| `key` | the idempotency key the client sent with it, or null |
| `profile_id` | the anonymous profile (one per browser) whose correction it was, or null |

Add them to training with `inkdigits train --extra-ink DIR`.
"""


class ExportError(Exception):
    """The export cannot run: the message says why (no traceback for the CLI)."""


def export_samples(database, out_dir, force=False):
    """Write every sample in ``database`` to ``out_dir`` (created); returns the count.

    The database is opened read-only and must be an inkdigits store; files in ``out_dir``
    that an earlier export did not write are never overwritten unless ``force``.
    """
    out = Path(out_dir)
    _check_out(out, force)
    name = db.describe(database)
    engine = db.make_engine(database, read_only=True)
    try:
        conn = engine.connect()
    except (sqlite3.Error, DBAPIError) as e:
        engine.dispose()
        raise ExportError(f"cannot open {name}: {db.describe_error(e)[1]}") from None
    try:
        if not db.is_store(conn):
            raise ExportError(f"{name} is not an inkdigits store (no sample table "
                              f"with columns {', '.join(db.COLUMNS)})")
        out.mkdir(parents=True, exist_ok=True)
        count = _write_samples(conn, out)
        (out / README_FILE).write_text(README, encoding="utf-8")
    except (sqlite3.Error, DBAPIError) as e:
        raise ExportError(f"cannot read {name}: {db.describe_error(e)[1]}") from None
    except OSError as e:
        raise ExportError(f"cannot write to {out}: {e.strerror or e}") from None
    finally:
        conn.close()
        engine.dispose()
    return count


def _check_out(out, force):
    """Refuse an ``--out`` that is not a directory, or holds files of the same names that
    this export did not write (its README is how an earlier export is recognised)."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file, not a directory")
    if force:
        return
    readme = out / README_FILE
    ours = readme.is_file() and _starts_with(readme, README_TITLE)
    for name in (SAMPLES_FILE, README_FILE):
        path = out / name
        if (path.exists() or path.is_symlink()) and not ours:
            raise ExportError(f"{path} exists and was not written by inkdigits samples export;"
                              " choose another --out, or --force to overwrite it")


def _starts_with(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(len(text)) == text
    except (OSError, UnicodeDecodeError):
        return False


def _write_samples(conn, out):
    """``samples.jsonl`` via a temporary file, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=out, prefix=SAMPLES_FILE + ".", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for item in db.iter_samples(conn):
                f.write(json.dumps(item, separators=(",", ":")) + "\n")
                count += 1
        os.replace(tmp, out / SAMPLES_FILE)
    except BaseException:
        os.unlink(tmp)
        raise
    return count


def export_main(args):
    """CLI entry: args.out, args.database (default: the app's), args.force."""
    database = args.database or db.default_database()
    if not db.is_url(database) and not os.path.exists(database):
        print(f"inkdigits samples export: no database at {database}", file=sys.stderr)
        return 2
    try:
        count = export_samples(database, args.out, force=args.force)
    except ExportError as e:
        print(f"inkdigits samples export: {e}", file=sys.stderr)
        return 2
    print(f"wrote {count} samples to {Path(args.out) / SAMPLES_FILE}")
    return 0

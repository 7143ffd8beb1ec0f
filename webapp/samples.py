"""``inkdigits samples export``: the corrections database as files for training.

Export format (``DIR/samples.jsonl`` plus ``DIR/README.md`` describing it): one JSON
object per line, oldest first::

    {"id": 3, "created": "2026-11-24T22:10:01.123+00:00", "label": "170",
     "predicted": "110", "model_version": "1a2b3c4d5e6f+v1",
     "strokes": [[[x, y, t], ...], ...]}

``strokes`` is the ink exactly as the page sent it: strokes in pen order, points
``[x, y]`` or ``[x, y, t]`` in canvas pixels (y down), t in ms. ``label`` is the number
the writer meant, ``predicted`` what the model read. ``training/extra_ink.py`` reads it.
"""
import json
import os
from pathlib import Path

from webapp import db

SAMPLES_FILE = "samples.jsonl"

README = """# inkdigits corrections

`samples.jsonl`: one JSON object per line, one per corrected drawing, oldest first.

| field | meaning |
|---|---|
| `id` | row id in the web app's database |
| `created` | when it was saved, ISO 8601 UTC |
| `label` | the number the writer meant (string of digits 0-9) |
| `predicted` | what the model read when it was saved |
| `model_version` | sha256 prefix of the model file [+ model card version] |
| `strokes` | the drawing: strokes in pen order, each a list of `[x, y, t]` points (canvas pixels, origin top-left, y down; t in ms) |

Add them to training with `inkdigits train --extra-ink DIR`.
"""


def export_samples(database, out_dir):
    """Write every sample in ``database`` to ``out_dir`` (created); returns the count."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conn = db.connect(database)
    count = 0
    try:
        tmp = out / (SAMPLES_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for item in db.iter_samples(conn):
                f.write(json.dumps(item, separators=(",", ":")) + "\n")
                count += 1
        os.replace(tmp, out / SAMPLES_FILE)  # a reader never sees half a file
    finally:
        conn.close()
    (out / "README.md").write_text(README, encoding="utf-8")
    return count


def export_main(args):
    """CLI entry: args.out, args.database (default: the app's)."""
    database = args.database or db.default_database()
    if not os.path.exists(database):
        print(f"inkdigits samples export: no database at {database}")
        return 2
    count = export_samples(database, args.out)
    print(f"wrote {count} samples to {Path(args.out) / SAMPLES_FILE}")
    return 0

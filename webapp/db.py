"""The SQLite store of corrected drawings: one row per sample, one transaction per insert.

Table ``sample``: ``id``, ``created`` (ISO 8601 UTC), ``label`` (the digits the writer
meant), ``predicted`` (what the model read, or NULL), ``model_version`` (see
``webapp.model_info``) and ``strokes`` (the drawing as JSON, the API's ink format).
"""
import json
import os
import sqlite3
from datetime import datetime, timezone

from flask import Flask, current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS sample (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    label TEXT NOT NULL,
    predicted TEXT,
    model_version TEXT NOT NULL,
    strokes TEXT NOT NULL
);
"""


def connect(path):
    """Open (creating if needed) the database at ``path`` in WAL mode, schema ensured."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    conn.execute("PRAGMA busy_timeout=10000")
    conn.executescript(SCHEMA)
    return conn


def get_db():
    """The request's connection to the app's database (opened on first use)."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(e=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app):
    app.teardown_appcontext(close_db)


def insert_sample(db, strokes, label, predicted, model_version):
    """Store one sample in its own transaction; returns its id."""
    created = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with db:  # commits, or rolls back on error
        cur = db.execute(
            "INSERT INTO sample (created, label, predicted, model_version, strokes)"
            " VALUES (?, ?, ?, ?, ?)",
            (created, label, predicted, model_version, json.dumps(strokes, separators=(",", ":"))))
    return cur.lastrowid


def iter_samples(db):
    """Every sample, oldest first, as a dict with ``strokes`` decoded."""
    for row in db.execute("SELECT * FROM sample ORDER BY id"):
        item = dict(row)
        item["strokes"] = json.loads(item["strokes"])
        yield item


def default_database():
    """The path ``create_app`` uses when DATABASE is not configured (no model loaded)."""
    return os.path.join(Flask("webapp", instance_relative_config=True).instance_path,
                        "inkdigits.sqlite")

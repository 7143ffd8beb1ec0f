"""The SQLite store of corrected drawings: one row per sample, one transaction per insert.

Table ``sample``: ``id``, ``created`` (ISO 8601 UTC), ``label`` (the digits the writer
meant), ``predicted`` (what the model read, or NULL), ``model_version`` (see
``webapp.model_info``), ``strokes`` (the drawing as JSON, the API's ink format) and ``key``
(the client's idempotency key, unique, or NULL).

The database is created once, by :func:`init_db` when the app starts; every later
:func:`connect` opens the existing file and never creates one, so a database that vanishes
while the server runs is an error (``missing``), not a silent fresh start that reuses ids.
SQLite failures are described by :func:`describe_error` as one of :data:`STATES`.
"""
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS sample (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    label TEXT NOT NULL,
    predicted TEXT,
    model_version TEXT NOT NULL,
    strokes TEXT NOT NULL,
    key TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS sample_key ON sample (key);
"""
COLUMNS = ("id", "created", "label", "predicted", "model_version", "strokes", "key")
BUSY_TIMEOUT_MS = 5000

# SQLite error name prefix -> (state, what a client is told)
_STATES = [
    ("SQLITE_CANTOPEN", "missing", "the database file is missing or cannot be opened"),
    ("SQLITE_READONLY", "read-only", "the database is read-only"),
    ("SQLITE_FULL", "full", "the database's disk is full"),
    ("SQLITE_BUSY", "busy", "the database is busy"),
    ("SQLITE_LOCKED", "busy", "the database is busy"),
    ("SQLITE_NOTADB", "damaged", "the database file is damaged or not a database"),
    ("SQLITE_CORRUPT", "damaged", "the database file is damaged or not a database"),
    ("SQLITE_IOERR", "io-error", "the database cannot be read or written (I/O error)"),
]
STATES = ("ok", "missing", "read-only", "full", "busy", "damaged", "io-error", "error")


def init_db(path):
    """Create the database at ``path`` (and its folder) if needed, in WAL mode, schema
    ensured; a store from before idempotency keys gains its ``key`` column."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        columns = _columns(conn)
        if columns and "key" not in columns:
            conn.execute("ALTER TABLE sample ADD COLUMN key TEXT")
        conn.executescript(SCHEMA)
    finally:
        conn.close()


def connect(path, read_only=False):
    """Open the existing database at ``path`` (never creating it); rows as ``sqlite3.Row``."""
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode={mode}", uri=True,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    return conn


def is_store(conn):
    """True when ``conn`` holds a ``sample`` table with this module's columns."""
    return set(COLUMNS) <= set(_columns(conn))


def describe_error(e):
    """``(state, message)`` for a ``sqlite3.Error``: state is one of :data:`STATES`."""
    name = getattr(e, "sqlite_errorname", "") or ""
    for prefix, state, message in _STATES:
        if name.startswith(prefix):
            return state, message
    if "no such table" in str(e) or "no such column" in str(e):
        return "damaged", "the database file is not an inkdigits store"
    return "error", "the database failed"


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


def insert_sample(db, strokes, label, predicted, model_version, key=None):
    """Store one sample in its own transaction; returns ``(row, created)``.

    With a ``key`` already stored, nothing is written and the stored row comes back with
    ``created`` False: a retry of a request whose answer was lost never duplicates it.
    """
    if key is not None:
        row = find_by_key(db, key)
        if row is not None:
            return row, False
    created = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    try:
        with db:  # commits, or rolls back on error
            cur = db.execute(
                "INSERT INTO sample (created, label, predicted, model_version, strokes, key)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (created, label, predicted, model_version, encode_strokes(strokes), key))
    except sqlite3.IntegrityError:
        row = find_by_key(db, key) if key is not None else None
        if row is None:
            raise
        return row, False  # the same key committed by a concurrent request
    return db.execute("SELECT * FROM sample WHERE id = ?", (cur.lastrowid,)).fetchone(), True


def find_by_key(db, key):
    """The stored row with idempotency ``key``, or None."""
    return db.execute("SELECT * FROM sample WHERE key = ?", (key,)).fetchone()


def encode_strokes(strokes):
    """The ink as stored: compact JSON."""
    return json.dumps(strokes, separators=(",", ":"))


def store_bytes(db):
    """The database's size in bytes (pages in use or free), without the WAL."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def iter_samples(db):
    """Every sample, oldest first, as a dict with ``strokes`` decoded."""
    for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM sample ORDER BY id"):
        item = dict(row)
        item["strokes"] = json.loads(item["strokes"])
        yield item


def default_database():
    """The path ``create_app`` uses when DATABASE is not configured (no model loaded)."""
    return os.path.join(Flask("webapp", instance_relative_config=True).instance_path,
                        "inkdigits.sqlite")


def _columns(conn):
    return [r[1] for r in conn.execute("PRAGMA table_info(sample)")]

"""The store: corrected drawings and writers' profiles, in SQLite or PostgreSQL.

``DATABASE`` is a file path (SQLite, the embedded default) or a ``postgresql://`` URL (a
store shared by any number of workers and machines). Both go through SQLAlchemy Core,
PostgreSQL with the psycopg 3 driver; the schema and its migrations are in
``webapp.migrations``.

Table ``sample``: ``id``, ``created`` (ISO 8601 UTC), ``label`` (the digits the writer
meant), ``predicted`` (what the model read, or NULL), ``model_version`` (see
``webapp.model_info``), ``strokes`` (the drawing as JSON, the API's ink format), ``key``
(the client's idempotency key, unique, or NULL), ``profile_id`` (the profile it taught,
or NULL) and ``readers`` (the pen-path and sequence readers that read it beside the CNN,
``webapp.model_info.readers``; NULL for samples stored before it was recorded). Table ``profile``: ``id``, ``created``, ``updated``, ``revision`` (incremented by
each write), ``corrections`` and ``data`` (``recognizer.Profile.to_bytes``). Table
``rate_bucket``: the per-client token buckets of ``webapp.limits.SharedRateLimiter``.

The database is created once, by :func:`init_db` when the app starts; every later
connection opens the existing SQLite file and never creates one, so a database that
vanishes while the server runs is an error (``missing``), not a silent fresh start that
reuses ids. Failures are described by :func:`describe_error` as one of :data:`STATES`.
"""
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from webapp import migrations

COLUMNS = ("id", "created", "label", "predicted", "model_version", "strokes", "key",
           "profile_id", "readers")
TABLES = ("sample", "profile", "rate_bucket", "schema_version")
BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 5
URL_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
STATES = ("ok", "missing", "unreachable", "read-only", "full", "busy", "damaged", "io-error",
          "error")
_MESSAGES = {
    "missing": "the database file is missing or cannot be opened",
    "unreachable": "the database server cannot be reached",
    "read-only": "the database is read-only",
    "full": "the database's disk is full",
    "busy": "the database is busy",
    "damaged": "the database file is damaged or not a database",
    "io-error": "the database cannot be read or written (I/O error)",
    "error": "the database failed",
}
# SQLite error name prefix, PostgreSQL SQLSTATE (or its class, two characters) -> state
_SQLITE_STATES = [("SQLITE_CANTOPEN", "missing"), ("SQLITE_READONLY", "read-only"),
                  ("SQLITE_FULL", "full"), ("SQLITE_BUSY", "busy"), ("SQLITE_LOCKED", "busy"),
                  ("SQLITE_NOTADB", "damaged"), ("SQLITE_CORRUPT", "damaged"),
                  ("SQLITE_IOERR", "io-error")]
_PG_STATES = {"08": "unreachable", "57P01": "unreachable", "57P02": "unreachable",
              "57P03": "unreachable", "25006": "read-only", "53100": "full", "53": "busy",
              "40": "busy", "55P03": "busy", "57014": "busy", "42P01": "damaged",
              "42703": "damaged", "58": "io-error", "XX001": "damaged", "XX002": "damaged"}


def is_url(database):
    """True when ``database`` names a PostgreSQL server rather than an SQLite file."""
    return str(database).startswith(URL_SCHEMES)


def describe(database):
    """``database`` as it may be printed: a URL without its password."""
    if not is_url(database):
        return str(database)
    return make_url(database).render_as_string(hide_password=True)


def sqlite_connect(path, read_only=False):
    """Open the existing SQLite file at ``path`` (never creating it), in autocommit mode:
    the engine begins each transaction itself (:func:`_sqlite_begin`)."""
    mode = "ro" if read_only else "rw"
    return sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode={mode}", uri=True,
                           timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)


def _sqlite_begin(conn):
    # A transaction that will write takes the write lock at its start, where the busy
    # timeout applies; one that upgrades later fails at once when another wrote meanwhile.
    writes = conn.get_execution_options().get("writes")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_engine(database, read_only=False):
    """An SQLAlchemy engine for ``database`` (a path or a ``postgresql://`` URL)."""
    if is_url(database):
        url = make_url(database).set(drivername="postgresql+psycopg")
        engine = create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=16,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        return engine.execution_options(postgresql_readonly=True) if read_only else engine
    # SQLite: a connection per use (opening the file costs ~0.1 ms), through
    # sqlite_connect looked up on each open, so a vanished file is seen at once.
    engine = create_engine("sqlite://", poolclass=NullPool,
                           creator=lambda: sqlite_connect(database, read_only))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def init_db(database):
    """Create the database (for SQLite its file and folder, in WAL mode) and bring its
    schema to the latest migration; returns the migrations applied."""
    if not is_url(database):
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
        sqlite3.connect(database).close()  # the only place a file is created
        _use_wal(database)
    engine = make_engine(database)
    try:
        return migrations.migrate(engine)
    finally:
        engine.dispose()


def _use_wal(path):
    """Put the SQLite file at ``path`` in WAL mode (readers never block the writer).

    Switching answers "database is locked" at once, without the busy timeout, while another
    process (a second worker starting) holds the file; so it is tried again until the
    busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        conn = sqlite_connect(path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        finally:
            conn.close()
        time.sleep(0.01)


def is_store(conn):
    """True when ``conn``'s database holds a ``sample`` table with this module's columns."""
    inside = conn.in_transaction()
    try:
        names = inspect(conn).get_table_names()
        return "sample" in names and set(COLUMNS) <= {
            c["name"] for c in inspect(conn).get_columns("sample")}
    finally:
        if not inside:
            conn.rollback()


def describe_error(e):
    """``(state, message)`` for a database error: state is one of :data:`STATES`."""
    orig = e.orig if isinstance(e, DBAPIError) else e
    state = "error"
    if isinstance(orig, sqlite3.Error):
        name = getattr(orig, "sqlite_errorname", "") or ""
        state = next((s for prefix, s in _SQLITE_STATES if name.startswith(prefix)), "error")
        if state == "error" and ("no such table" in str(orig) or "no such column" in str(orig)):
            return "damaged", "the database file is not an inkdigits store"
    elif getattr(orig, "sqlstate", None):
        code = orig.sqlstate
        state = _PG_STATES.get(code) or _PG_STATES.get(code[:2], "error")
        if code in ("42P01", "42703"):
            return "damaged", "the database is not an inkdigits store"
    elif type(orig).__module__.startswith("psycopg"):  # no SQLSTATE: no server answered
        state = "unreachable"
    return state, _MESSAGES[state]


def init_app(app):
    """Give ``app`` its engine (``app.extensions["inkdigits"]["engine"]``) and close each
    request's connection after it."""
    app.extensions.setdefault("inkdigits", {})["engine"] = make_engine(app.config["DATABASE"])
    app.teardown_appcontext(close_db)


def get_engine():
    return current_app.extensions["inkdigits"]["engine"]


def get_db():
    """The request's connection to the app's database (opened on first use)."""
    if "db" not in g:
        g.db = get_engine().connect()
    return g.db


def close_db(e=None):
    conn = g.pop("db", None)
    if conn is not None:
        try:
            conn.close()
        except SQLAlchemyError:
            pass  # a connection that broke mid-request: already reported


def now():
    """The current time as stored: ISO 8601 UTC to the millisecond."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@contextmanager
def transaction(conn):
    """A transaction on ``conn`` that will write: committed at the end of the ``with``
    block, rolled back on an error (an SQLite one holds the write lock from its start)."""
    if conn.in_transaction():
        conn.rollback()  # an implicit read transaction: its snapshot is not wanted
    conn.execution_options(writes=True)
    try:
        with conn.begin() as tx:
            yield tx
    finally:
        conn.execution_options(writes=False)


def insert_sample(conn, strokes, label, predicted, model_version, key=None, profile_id=None,
                  also=None, readers=None):
    """Store one sample in its own transaction; returns ``(row, created)``.

    ``also(conn)``, if given, runs in the same transaction (a profile's update); when it
    returns False the transaction is rolled back and ``(None, False)`` returned. With a
    ``key`` already stored, nothing is written and the stored row comes back with
    ``created`` False: a retry of a request whose answer was lost never duplicates it.
    """
    if key is not None and (row := find_by_key(conn, key)) is not None:
        return row, False
    values = {"created": now(), "label": label, "predicted": predicted,
              "model_version": model_version, "strokes": encode_strokes(strokes), "key": key,
              "profile_id": profile_id, "readers": readers}
    try:
        with transaction(conn) as tx:  # commits, or rolls back on error
            new_id = conn.execute(text(
                "INSERT INTO sample (created, label, predicted, model_version, strokes, key,"
                " profile_id, readers) VALUES (:created, :label, :predicted, :model_version,"
                " :strokes, :key, :profile_id, :readers) RETURNING id"), values).scalar_one()
            if also is not None and also(conn) is False:
                tx.rollback()
                return None, False
    except IntegrityError:
        row = find_by_key(conn, key) if key is not None else None
        if row is None:
            raise
        return row, False  # the same key committed by a concurrent request
    return {"id": new_id, **values}, True


def find_by_key(conn, key):
    """The stored row with idempotency ``key`` (a dict), or None."""
    return _one(conn, f"SELECT {', '.join(COLUMNS)} FROM sample WHERE key = :key", key=key)


def encode_strokes(strokes):
    """The ink as stored: compact JSON."""
    return json.dumps(strokes, separators=(",", ":"))


def store_bytes(conn):
    """The store's size in bytes: SQLite's pages in use or free (without the WAL), or
    PostgreSQL's tables with their indexes and TOAST."""
    if conn.dialect.name == "postgresql":
        return int(_scalar(conn, "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)"
                           " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                           " WHERE n.nspname = current_schema() AND c.relkind = 'r'"))
    return _scalar(conn, "PRAGMA page_count") * _scalar(conn, "PRAGMA page_size")


def iter_samples(conn):
    """Every sample, oldest first, as a dict with ``strokes`` decoded."""
    for row in conn.execute(text(f"SELECT {', '.join(COLUMNS)} FROM sample ORDER BY id")):
        item = dict(row._mapping)
        item["strokes"] = json.loads(item["strokes"])
        yield item


def count_samples(conn):
    """How many samples the store holds."""
    return _scalar(conn, "SELECT COUNT(*) FROM sample")


# --- profiles ----------------------------------------------------------------------------

def load_profile(conn, profile_id):
    """The ``profile`` row of ``profile_id`` as a dict (``data`` as bytes), or None."""
    row = _one(conn, "SELECT id, revision, corrections, data FROM profile WHERE id = :id",
               id=profile_id)
    if row is not None:
        row["data"] = bytes(row["data"])
    return row


def save_profile(conn, profile_id, revision, corrections, data):
    """Write a profile inside the caller's transaction, if no one else wrote it since
    ``revision`` was read (None: the profile was not there). Returns False on a lost race:
    the caller rolls back and tries again with the profile as it is now."""
    stamp = now()
    values = {"id": profile_id, "revision": revision, "corrections": corrections,
              "data": data, "stamp": stamp}
    if revision is None:
        inserted = conn.execute(text(
            "INSERT INTO profile (id, created, updated, revision, corrections, data)"
            " VALUES (:id, :stamp, :stamp, 1, :corrections, :data)"
            " ON CONFLICT (id) DO NOTHING"), values)
        return inserted.rowcount == 1
    updated = conn.execute(text(
        "UPDATE profile SET data = :data, corrections = :corrections, updated = :stamp,"
        " revision = revision + 1 WHERE id = :id AND revision = :revision"), values)
    return updated.rowcount == 1


def newest_samples_of(conn, profile_id, limit):
    """``(strokes, label)`` of a profile's newest ``limit`` samples, newest first, the
    strokes decoded."""
    rows = _rows(conn, "SELECT strokes, label FROM sample WHERE profile_id = :id"
                       " ORDER BY id DESC LIMIT :n", id=profile_id, n=limit)
    return [(json.loads(r["strokes"]), r["label"]) for r in rows]


def delete_profile(conn, profile_id):
    """Delete a profile (its samples keep their ``profile_id``); True when it existed."""
    with transaction(conn):
        deleted = conn.execute(text("DELETE FROM profile WHERE id = :id"), {"id": profile_id})
    return deleted.rowcount == 1


def _rows(conn, sql, **params):
    """The rows of a query as dicts; outside a transaction, in one of its own (ended)."""
    inside = conn.in_transaction()
    try:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]
    finally:
        if not inside:
            conn.rollback()


def _one(conn, sql, **params):
    rows = _rows(conn, sql, **params)
    return rows[0] if rows else None


def _scalar(conn, sql, **params):
    return next(iter(_one(conn, sql, **params).values()))


def default_database():
    """The path ``create_app`` uses when DATABASE is not configured (no model loaded)."""
    return os.path.join(Flask("webapp", instance_relative_config=True).instance_path,
                        "inkdigits.sqlite")

"""POST /api/samples and /api/health when the store misbehaves, idempotency keys, Unicode,
the per-client rate limit and the store's size cap.

Tests taking ``app``/``client`` (or ``database``) run on both backends, SQLite and
PostgreSQL (``conftest.database``); the SQLite-only ones break its file on purpose.
"""
import json
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import PATIENT
from sqlalchemy import text
from sqlalchemy.engine import make_url

from webapp import create_app, db, migrations

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]
SEVEN = [[[60, 10], [110, 10]], [[110, 10], [80, 110]]]
SAMPLE = {"strokes": [ONE] + SEVEN, "label": "17"}


def post(client, url, body, **kw):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **kw)


def make_app(recognizer, database, **config):
    return create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                       "DATABASE": str(database), **PATIENT, **config})


@pytest.fixture
def app(recognizer, database):
    return make_app(recognizer, database, TESTING=True)


@pytest.fixture
def sqlite_app(recognizer, tmp_path):
    return make_app(recognizer, tmp_path / "samples.sqlite", TESTING=True)


def rows(database):
    """``(id, label, key)`` of every stored sample, read on a connection of its own."""
    engine = db.make_engine(str(database))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                text("SELECT id, label, key FROM sample ORDER BY id"))]
    finally:
        engine.dispose()


def psql(url):
    """A psycopg connection (autocommit) to the PostgreSQL of ``url``, in its schema."""
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False), autocommit=True)


def patch_connect(monkeypatch, pragma):
    """Every SQLite connection the app opens runs ``pragma`` first: a real failure mode."""
    real = db.sqlite_connect

    def connect(path, read_only=False):
        conn = real(path, read_only)
        if callable(pragma):
            pragma(conn)
        else:
            conn.execute(pragma)
        return conn

    monkeypatch.setattr(db, "sqlite_connect", connect)


def with_options(app, database, option):
    """Point ``app`` at the same PostgreSQL with ``option`` (``-cname=value``) on every
    connection of its engine."""
    url = make_url(database)
    url = url.update_query_dict({"options": f"{url.query['options']} {option}"})
    app.extensions["inkdigits"]["engine"] = db.make_engine(
        url.render_as_string(hide_password=False))


# --- the database is created at start, and only then -------------------------------------

def test_the_store_is_created_and_migrated_when_the_app_starts(recognizer, database):
    make_app(recognizer, database)
    assert rows(database) == []
    engine = db.make_engine(database)
    with engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        assert db.is_store(conn)
    engine.dispose()


def test_an_sqlite_database_is_a_file_made_at_start(recognizer, tmp_path):
    path = tmp_path / "new" / "s.sqlite"
    make_app(recognizer, path)
    assert path.is_file()


def test_a_database_that_vanishes_is_503_and_never_recreated(recognizer, tmp_path):
    folder = tmp_path / "store"
    app = make_app(recognizer, folder / "s.sqlite")
    client = app.test_client()
    assert post(client, "/api/samples", SAMPLE).status_code == 201
    shutil.rmtree(folder)
    r = post(client, "/api/samples", SAMPLE)
    assert r.status_code == 503
    assert r.get_json() == {"error": "database unavailable: the database file is missing or "
                                     "cannot be opened", "database": "missing"}
    assert not folder.exists()                       # no silent fresh start reusing ids
    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "error"
    assert health.get_json()["database"]["status"] == "missing"
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200


def test_an_unreachable_postgresql_is_503_and_health_says_so(recognizer, tmp_path):
    url = f"postgresql://nobody@/none?host={tmp_path}"   # no server listens there
    app = make_app(recognizer, url)
    client = app.test_client()
    r = post(client, "/api/samples", SAMPLE)
    assert r.status_code == 503
    assert r.get_json() == {"error": "database unavailable: the database server cannot be "
                                     "reached", "database": "unreachable"}
    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "unreachable"
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200


def _read_only(app, database, monkeypatch):
    if db.is_url(database):
        with_options(app, database, "-cdefault_transaction_read_only=on")
    else:
        patch_connect(monkeypatch, "PRAGMA query_only = ON")


def test_read_only_database_is_503_and_health_says_so(app, database, client, monkeypatch):
    engine = app.extensions["inkdigits"]["engine"]
    _read_only(app, database, monkeypatch)
    r = post(client, "/api/samples", SAMPLE)
    assert r.status_code == 503
    assert r.get_json()["database"] == "read-only"
    assert "read-only" in r.get_json()["error"]
    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "read-only"
    monkeypatch.undo()                               # writable again: the next write clears it
    app.extensions["inkdigits"]["engine"] = engine
    assert post(client, "/api/samples", SAMPLE).status_code == 201
    assert client.get("/api/health").status_code == 200


def test_full_disk_is_503_full(sqlite_app, monkeypatch):
    def no_new_pages(conn):
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    client = sqlite_app.test_client()
    patch_connect(monkeypatch, no_new_pages)
    big = {"strokes": [[[i % 300, i // 300] for i in range(5000)]], "label": "1"}
    r = post(client, "/api/samples", big)
    assert r.status_code == 503
    assert r.get_json() == {"error": "database unavailable: the database's disk is full",
                            "database": "full"}
    assert client.get("/api/health").get_json()["database"]["status"] == "full"


def test_busy_database_is_503_with_retry_after(app, database, client, monkeypatch):
    if db.is_url(database):
        with_options(app, database, "-clock_timeout=50")
        other = psql(database)
        other.execute("BEGIN")
        other.execute("LOCK TABLE sample, rate_bucket IN ACCESS EXCLUSIVE MODE")
    else:
        monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
        other = sqlite3.connect(database)
        other.execute("BEGIN EXCLUSIVE")
    try:
        r = post(client, "/api/samples", SAMPLE)
    finally:
        other.rollback()
        other.close()
    assert r.status_code == 503
    assert r.get_json()["database"] == "busy"
    assert r.headers["Retry-After"] == "1"


def _damage(database):
    if db.is_url(database):
        with psql(database) as conn:
            conn.execute("DROP TABLE sample")
    else:
        with open(database, "wb") as f:
            f.write(b"this is not a database" * 100)


def test_damaged_database_is_503_and_health_is_not_ok(app, database, client):
    _damage(database)
    r = post(client, "/api/samples", SAMPLE)
    assert r.status_code == 503 and r.get_json()["database"] == "damaged"
    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "damaged"


def test_health_reports_the_database_size_and_cap(app, database, client):
    assert post(client, "/api/samples", SAMPLE).status_code == 201
    body = client.get("/api/health").get_json()
    size = body["database"]["bytes"]
    assert body["database"] == {"status": "ok", "bytes": size, "max_bytes": 1 << 30}
    if db.is_url(database):                          # every table, with indexes and TOAST
        with psql(database) as conn:
            assert size == sum(conn.execute("SELECT pg_total_relation_size(%s)", (t,))
                               .fetchone()[0] for t in db.TABLES)
    else:
        conn = sqlite3.connect(database)
        assert size == conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute(
            "PRAGMA page_size").fetchone()[0]


def test_an_old_store_is_migrated_and_keeps_its_rows(recognizer, tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sample (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT "
                 "NULL, label TEXT NOT NULL, predicted TEXT, model_version TEXT NOT NULL, "
                 "strokes TEXT NOT NULL)")
    conn.execute("INSERT INTO sample VALUES (1, 'x', '4', '4', 'v', '[]')")
    conn.commit()
    conn.close()
    client = make_app(recognizer, path).test_client()
    r = post(client, "/api/samples", {**SAMPLE, "key": "k" * 16})
    assert r.status_code == 201 and r.get_json()["id"] == 2
    assert rows(path) == [(1, "4", None), (2, "17", "k" * 16)]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [
        (migrations.LATEST,)]
    # which readers read a sample was not recorded before: NULL, not made up
    readers = conn.execute("SELECT readers FROM sample ORDER BY id").fetchall()
    assert readers[0] == (None,) and readers[1][0].startswith("pen_path=")


# --- every string is valid Unicode -------------------------------------------------------

@pytest.mark.parametrize("raw", [
    '{"strokes": [[[10, 10], [10, 100]]], "label": "1", "predicted": "\\ud800"}',
    '{"strokes": [[[10, 10], [10, 100]]], "label": "\\udfff1"}',
    '{"strokes": [[[10, 10], [10, 100]]], "label": "1", "key": "\\ud800aaaaaaaaaaaaaaaaa"}',
    '{"strokes": [[[10, 10], [10, 100]]], "label": "1", "note": ["\\ud83d"]}',
    '{"strokes": [[[10, 10], [10, 100]]], "label": "1", "\\ud800": 1}',
    '{"strokes": [[["\\ud800", 10]]], "label": "1"}',
])
@pytest.mark.parametrize("url", ["/api/samples", "/api/recognize"])
def test_lone_surrogates_are_422_without_a_traceback(app, client, caplog, raw, url):
    r = post(client, url, raw)
    assert r.status_code == 422
    assert "Unicode" in r.get_json()["error"]
    assert "Traceback" not in caplog.text and not [x for x in caplog.records
                                                   if x.levelname == "ERROR"]
    assert rows(app.config["DATABASE"]) == []


def test_a_surrogate_pair_is_valid_unicode(client):
    r = post(client, "/api/samples", '{"strokes": [[[10, 10], [10, 100]]], "label": "1",'
                                     ' "note": "\\ud83d\\ude00"}')
    assert r.status_code == 201


@pytest.mark.parametrize("raw", [b'{"label": "\xed\xa0\x80"}', b'{"label": "\xff"}',
                                 '{"label": "1"}'.encode("utf-16")])
def test_bodies_that_are_not_utf8_are_400(client, raw):
    r = post(client, "/api/samples", raw)
    assert r.status_code == 400
    assert "not UTF-8" in r.get_json()["error"]


# --- idempotency keys --------------------------------------------------------------------

def test_a_retry_with_the_same_key_returns_the_original_row(app, client):
    key = str(uuid.uuid4())
    first = post(client, "/api/samples", {**SAMPLE, "key": key})
    again = post(client, "/api/samples", {**SAMPLE, "key": key})
    assert first.status_code == 201 and again.status_code == 200
    sample = {k: v for k, v in first.get_json().items() if k not in ("learnt", "profile")}
    assert again.get_json() == sample        # the stored sample; nothing learnt again
    assert sample["key"] == key
    assert rows(app.config["DATABASE"]) == [(1, "17", key)]


def test_the_key_may_come_as_an_idempotency_key_header(app, client):
    key = uuid.uuid4().hex
    headers = {"Idempotency-Key": key}
    assert post(client, "/api/samples", SAMPLE, headers=headers).status_code == 201
    again = post(client, "/api/samples", {**SAMPLE, "key": key}, headers=headers)
    assert again.status_code == 200 and again.get_json()["key"] == key
    assert len(rows(app.config["DATABASE"])) == 1


def test_a_key_reused_for_another_sample_is_409(app, client):
    key = str(uuid.uuid4())
    assert post(client, "/api/samples", {**SAMPLE, "key": key}).status_code == 201
    for other in ({**SAMPLE, "label": "71"}, {**SAMPLE, "strokes": [ONE]}):
        r = post(client, "/api/samples", {**other, "key": key})
        assert r.status_code == 409 and "key" in r.get_json()["error"]
    assert len(rows(app.config["DATABASE"])) == 1


def test_samples_without_a_key_are_each_stored(app, client):
    assert [post(client, "/api/samples", SAMPLE).status_code for _ in range(2)] == [201, 201]
    assert rows(app.config["DATABASE"]) == [(1, "17", None), (2, "17", None)]


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space in it!!", 12345678901234567,
                                 ["k" * 16], "ключ-ключ-ключ-ключ"])
def test_invalid_keys_are_422(app, client, key):
    r = post(client, "/api/samples", {**SAMPLE, "key": key})
    assert r.status_code == 422 and r.get_json()["error"].startswith("key")
    assert rows(app.config["DATABASE"]) == []


def test_body_and_header_keys_must_agree(client):
    r = post(client, "/api/samples", {**SAMPLE, "key": "a" * 16},
             headers={"Idempotency-Key": "b" * 16})
    assert r.status_code == 422


def test_concurrent_requests_with_one_key_store_one_row(app):
    key = str(uuid.uuid4())
    answers = []

    def send():
        answers.append(post(app.test_client(), "/api/samples", {**SAMPLE, "key": key}))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert {r.get_json()["id"] for r in answers} == {1}
    assert rows(app.config["DATABASE"]) == [(1, "17", key)]


# --- abuse limits ------------------------------------------------------------------------

def test_samples_are_rate_limited_per_client_429(recognizer, database):
    app = make_app(recognizer, database, SAMPLES_PER_MINUTE=3)
    client = app.test_client()
    codes = [post(client, "/api/samples", SAMPLE).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    r = post(client, "/api/samples", SAMPLE)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "20"          # one token per 60/3 s
    assert "at most 3 a minute" in r.get_json()["error"]
    other = post(client, "/api/samples", SAMPLE, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 201                  # another client has its own budget
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200
    assert len(rows(app.config["DATABASE"])) == 4


def test_store_size_cap_is_507(recognizer, database):
    path = database
    empty = make_app(recognizer, database).test_client().get("/api/health").get_json()
    limit = empty["database"]["bytes"] + 48 * 1024
    app = make_app(recognizer, path, MAX_STORE_BYTES=limit)
    client = app.test_client()
    big = {"strokes": [[[i % 300, i // 300] for i in range(2000)]], "label": "1"}
    codes = [post(client, "/api/samples", big).status_code for _ in range(8)]
    assert 201 in codes and codes[-1] == 507
    stored = len(rows(path))
    assert codes == [201] * stored + [507] * (8 - stored)
    r = post(client, "/api/samples", big)
    assert "the store is full" in r.get_json()["error"]
    if not db.is_url(database):
        assert Path(path).stat().st_size <= limit


def test_a_full_store_makes_health_not_ok(recognizer, database):
    client = make_app(recognizer, database, MAX_STORE_BYTES=1).test_client()
    assert post(client, "/api/samples", SAMPLE).status_code == 507
    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "full"
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200


@pytest.mark.parametrize("predicted", ["<img src=x onerror=alert(1)>", "1 7", "17\n", "١٧",
                                       "x", "1" * 65])
def test_predicted_must_be_digits(app, client, predicted):
    r = post(client, "/api/samples", {**SAMPLE, "predicted": predicted})
    assert r.status_code == 422 and "predicted" in r.get_json()["error"]
    assert rows(app.config["DATABASE"]) == []


@pytest.mark.parametrize("predicted", ["", "0", "1" * 64, None])
def test_predicted_digits_or_null_are_stored(client, predicted):
    assert post(client, "/api/samples", {**SAMPLE, "predicted": predicted}).status_code == 201


def test_openapi_lists_the_new_answers(sqlite_app):
    client = sqlite_app.test_client()
    doc = client.get("/api/openapi.json").get_json()
    samples = doc["paths"]["/api/samples"]["post"]["responses"]
    assert {"200", "201", "403", "409", "429", "503", "507"} <= set(samples)
    assert {"403", "503"} <= set(doc["paths"]["/api/recognize"]["post"]["responses"])
    assert "503" in doc["paths"]["/api/health"]["get"]["responses"]
    schemas = doc["components"]["schemas"]
    assert "key" in schemas["SampleRequest"]["properties"]
    assert schemas["SampleRequest"]["properties"]["predicted"]["pattern"] == "^[0-9]{0,64}$"
    assert set(schemas["Database"]["properties"]["status"]["enum"]) == set(db.STATES)
    health = client.get("/api/health").get_json()
    assert set(schemas["Health"]["required"]) == set(health)

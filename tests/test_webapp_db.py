"""The corrections database, its export format and ``training.extra_ink`` reading it back."""
import json
import sqlite3
import threading
from types import SimpleNamespace

import numpy as np
import psycopg
import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from inkdigits.cli import main as cli
from training import extra_ink
from webapp import db
from webapp.samples import SAMPLES_FILE, export_samples

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]
SEVEN = [[[60, 10, 200], [110, 10, 250]], [[110, 10, 400], [80, 110, 450]]]


def test_an_sqlite_database_is_created_in_wal_mode(tmp_path):
    path = str(tmp_path / "sub" / "s.sqlite")
    db.init_db(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[1] for r in conn.execute("PRAGMA table_info(sample)")] == list(db.COLUMNS)


def test_a_second_process_creating_the_database_at_once_waits_for_the_first(tmp_path):
    # SQLite refuses the switch to WAL at once, without its busy timeout, while another
    # connection holds the write lock: two workers starting together met this in CI.
    path = str(tmp_path / "s.sqlite")
    sqlite3.connect(path).close()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        db.init_db(path)
    finally:
        release.join()
        other.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_schema_is_the_same_on_both_backends(database):
    db.init_db(database)
    with _engine(database).connect() as conn:
        tables = inspect(conn).get_table_names()
        assert sorted(tables) == sorted(db.TABLES)
        assert [c["name"] for c in inspect(conn).get_columns("sample")] == list(db.COLUMNS)
        assert [c["name"] for c in inspect(conn).get_columns("profile")] == [
            "id", "created", "updated", "revision", "corrections", "data"]
        assert db.is_store(conn)


def test_connect_never_creates_a_database(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        db.sqlite_connect(str(tmp_path / "none.sqlite"))
    with pytest.raises(sqlite3.OperationalError):
        db.sqlite_connect(str(tmp_path / "none.sqlite"), read_only=True)
    assert list(tmp_path.iterdir()) == []


_ENGINES = []


def _engine(database):
    engine = db.make_engine(database)
    _ENGINES.append(engine)
    return engine


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    while _ENGINES:
        _ENGINES.pop().dispose()


@pytest.fixture
def store(database):
    """A connection to a new, empty store on each backend."""
    db.init_db(database)
    with _engine(database).connect() as conn:
        yield conn


def test_insert_and_read_back(store):
    first, created1 = db.insert_sample(store, [ONE], "1", "7", "abc")
    second, created2 = db.insert_sample(store, [ONE] + SEVEN, "17", None, "abc", key="k" * 16,
                                        profile_id="p" * 22)
    assert (first["id"], second["id"], created1, created2) == (1, 2, True, True)
    rows = list(db.iter_samples(store))
    assert [(r["id"], r["label"], r["predicted"], r["strokes"], r["key"], r["profile_id"])
            for r in rows] == [(1, "1", "7", [ONE], None, None),
                               (2, "17", None, [ONE] + SEVEN, "k" * 16, "p" * 22)]
    assert rows[0]["model_version"] == "abc" and rows[0]["created"] <= rows[1]["created"]


def test_a_stored_key_returns_the_stored_row(store):
    row, created = db.insert_sample(store, [ONE], "1", "1", "v", key="k" * 16)
    again, created_again = db.insert_sample(store, [ONE], "1", "1", "v", key="k" * 16)
    assert (created, created_again) == (True, False)
    assert again == row
    assert db.count_samples(store) == 1


def test_each_sample_is_committed_on_its_own(store, database):
    db.insert_sample(store, [ONE], "1", "1", "v")
    with pytest.raises(IntegrityError):
        db.insert_sample(store, [ONE], None, "1", "v")   # label NOT NULL: rolled back
    assert not store.in_transaction()
    with _engine(database).connect() as other:           # another reader sees the commit
        assert db.count_samples(other) == 1


def test_a_sample_and_its_profile_are_written_in_one_transaction(store):
    def write_profile(conn):
        return db.save_profile(conn, "p1", None, 1, b"profile")

    row, created = db.insert_sample(store, [ONE], "1", "1", "v", profile_id="p1",
                                    also=write_profile)
    assert created and db.load_profile(store, "p1")["data"] == b"profile"
    # the profile was written meanwhile (revision None no longer holds): neither is stored
    row, created = db.insert_sample(store, [ONE], "4", "1", "v", profile_id="p1",
                                    also=write_profile)
    assert (row, created) == (None, False)
    assert db.count_samples(store) == 1


def test_a_profile_is_written_only_from_the_revision_it_was_read_at(store):
    with db.transaction(store):
        assert db.save_profile(store, "p1", None, 1, b"one")
    with db.transaction(store):
        assert db.save_profile(store, "p1", 1, 2, b"two")
    with db.transaction(store):
        assert not db.save_profile(store, "p1", 1, 2, b"lost race")
    assert db.load_profile(store, "p1") == {"id": "p1", "revision": 2, "corrections": 2,
                                            "data": b"two"}
    assert db.delete_profile(store, "p1") and not db.delete_profile(store, "p1")
    assert db.load_profile(store, "p1") is None


@pytest.mark.parametrize("name, state", [
    ("SQLITE_CANTOPEN", "missing"), ("SQLITE_READONLY_DBMOVED", "read-only"),
    ("SQLITE_FULL", "full"), ("SQLITE_BUSY", "busy"), ("SQLITE_NOTADB", "damaged"),
    ("SQLITE_IOERR_WRITE", "io-error"), ("SQLITE_MISUSE", "error"),
])
def test_describe_error_names_the_sqlite_state(name, state):
    e = sqlite3.OperationalError("x")
    e.sqlite_errorname = name
    assert db.describe_error(e)[0] == state


@pytest.mark.parametrize("sqlstate, state", [
    ("08006", "unreachable"), ("57P01", "unreachable"), ("25006", "read-only"),
    ("53100", "full"), ("53300", "busy"), ("40001", "busy"), ("55P03", "busy"),
    ("42P01", "damaged"), ("22P02", "error"),
])
def test_describe_error_names_the_postgresql_state(sqlstate, state):
    e = psycopg.errors.lookup(sqlstate)("x")
    assert e.sqlstate == sqlstate
    assert db.describe_error(e)[0] == state


def test_a_url_is_printed_without_its_password():
    assert db.describe("postgresql://ink:s3cret@db.example:5432/ink") == (
        "postgresql://ink:***@db.example:5432/ink")
    assert db.describe("/srv/ink.sqlite") == "/srv/ink.sqlite"


def test_app_uses_instance_folder_by_default(recognizer):
    from webapp import create_app

    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier})
    assert app.config["DATABASE"] == db.default_database()
    assert db.default_database().endswith("instance/inkdigits.sqlite")


@pytest.fixture
def store_app(recognizer, database):
    """The app on a new store of each backend."""
    from conftest import PATIENT
    from webapp import create_app

    return create_app({"TESTING": True, "MODEL_PATH": str(recognizer.path),
                       "CLASSIFIER": recognizer.classifier, "DATABASE": database, **PATIENT})


def _saved(client, samples):
    for strokes, label in samples:
        r = client.post("/api/samples", json={"strokes": strokes, "label": label})
        assert r.status_code == 201


def test_export_writes_documented_jsonl(store_app, tmp_path):
    _saved(store_app.test_client(), [([ONE] + SEVEN, "17"), ([ONE], "4")])
    out = tmp_path / "export"
    assert export_samples(store_app.config["DATABASE"], out) == 2
    lines = (out / SAMPLES_FILE).read_text().splitlines()
    items = [json.loads(line) for line in lines]
    assert [(i["id"], i["label"], i["strokes"]) for i in items] == [
        (1, "17", [ONE] + SEVEN), (2, "4", [ONE])]
    assert set(items[0]) == {"id", "created", "label", "predicted", "model_version", "strokes",
                             "key", "profile_id", "readers"}
    readme = (out / "README.md").read_text()
    assert all(f"`{key}`" in readme for key in items[0])


def test_export_command(store_app, tmp_path, capsys):
    _saved(store_app.test_client(), [([ONE], "1")])
    out = tmp_path / "e"
    assert cli(["samples", "export", "--out", str(out), "--database",
                store_app.config["DATABASE"]]) == 0
    assert "wrote 1 samples" in capsys.readouterr().out
    assert len((out / SAMPLES_FILE).read_text().splitlines()) == 1
    assert cli(["samples", "export", "--out", str(out), "--database",
                str(tmp_path / "none.sqlite")]) == 2


def _export(capsys, out, database, *extra):
    code = cli(["samples", "export", "--out", str(out), "--database", str(database), *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def test_export_never_overwrites_files_it_did_not_write(app, client, tmp_path, capsys):
    _saved(client, [([ONE], "1")])
    out = tmp_path / "e"
    out.mkdir()
    (out / "README.md").write_text("my notes")
    code, err = _export(capsys, out, app.config["DATABASE"])
    assert code == 2 and "README.md exists and was not written by" in err and "--force" in err
    assert (out / "README.md").read_text() == "my notes"
    assert not (out / SAMPLES_FILE).exists()
    assert _export(capsys, out, app.config["DATABASE"], "--force")[0] == 0
    assert (out / "README.md").read_text().startswith("# inkdigits corrections")


def test_export_refuses_a_samples_file_without_its_readme(app, client, tmp_path, capsys):
    _saved(client, [([ONE], "1")])
    out = tmp_path / "e"
    out.mkdir()
    (out / SAMPLES_FILE).write_text("someone else's\n")
    assert _export(capsys, out, app.config["DATABASE"])[0] == 2
    assert (out / SAMPLES_FILE).read_text() == "someone else's\n"


def test_export_may_refresh_its_own_export(app, client, tmp_path, capsys):
    _saved(client, [([ONE], "1")])
    out = tmp_path / "e"
    assert _export(capsys, out, app.config["DATABASE"])[0] == 0
    _saved(client, [([ONE], "4")])
    assert _export(capsys, out, app.config["DATABASE"])[0] == 0
    assert len((out / SAMPLES_FILE).read_text().splitlines()) == 2
    assert sorted(p.name for p in out.iterdir()) == ["README.md", SAMPLES_FILE]  # no temp left


def test_export_refuses_another_programs_database_and_leaves_it_alone(tmp_path, capsys):
    import hashlib

    other = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO note (text) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = hashlib.sha256(other.read_bytes()).hexdigest()
    code, err = _export(capsys, tmp_path / "e", other)
    assert code == 2 and "is not an inkdigits store" in err
    assert hashlib.sha256(other.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]  # no WAL, no export
    conn = sqlite3.connect(other)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["note"]


def test_export_of_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"hello" * 1000)
    code, err = _export(capsys, tmp_path / "e", bad)
    assert code == 2 and "damaged or not a database" in err
    assert bad.read_bytes() == b"hello" * 1000


def test_export_leaves_the_stores_file_unchanged(app, client, tmp_path, capsys):
    import hashlib

    _saved(client, [([ONE], "1")])
    path = app.config["DATABASE"]
    with open(path, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    assert _export(capsys, tmp_path / "e", path)[0] == 0
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == before


@pytest.mark.parametrize("make_out, message", [
    (lambda tmp: (tmp / "f.txt").write_text("x") and tmp / "f.txt", "is a file, not a directory"),
    (lambda tmp: (tmp / "f.txt").write_text("x") and tmp / "f.txt" / "sub", "cannot write to"),
])
def test_a_bad_out_is_a_clear_error(app, client, tmp_path, capsys, make_out, message):
    _saved(client, [([ONE], "1")])
    code, err = _export(capsys, make_out(tmp_path), app.config["DATABASE"])
    assert code == 2 and message in err


class SplitByStroke:
    """A stand-in recognizer whose segmentation makes one digit per stroke."""

    def recognize(self, ink):
        return SimpleNamespace(digits=[SimpleNamespace(strokes=[i]) for i in range(len(ink))])


def _write_export(directory, samples):
    directory.mkdir()
    lines = [json.dumps({"id": i, "label": label, "strokes": strokes})
             for i, (strokes, label) in enumerate(samples)]
    (directory / SAMPLES_FILE).write_text("\n".join(lines) + "\n")


def test_extra_ink_keeps_samples_whose_groups_match_the_label(tmp_path):
    _write_export(tmp_path / "a", [
        ([ONE, SEVEN[1]], "17"),          # 2 groups, 2 digits: used
        ([ONE] + SEVEN, "17"),            # 3 groups, 2 digits: skipped
        ([ONE], "x"),                     # not digits: skipped
        ([[[1, 2], ["a", 2]]], "1"),      # invalid ink: skipped
    ])
    examples = extra_ink.load_extra_ink(tmp_path / "a", SplitByStroke())
    assert [digit for _, digit in examples] == [1, 7]
    strokes, _ = examples[1]
    np.testing.assert_array_equal(strokes[0], np.array(SEVEN[1], float))
    assert strokes[0].shape == (2, 3)


def test_extra_ink_reads_the_apps_export(app, client, recognizer, tmp_path):
    _saved(client, [([ONE], "1"), ([[[10, 10], [10, 100]], [[300, 10], [300, 100]]], "11")])
    export_samples(app.config["DATABASE"], tmp_path / "e")
    examples = extra_ink.load_extra_ink([tmp_path / "e"], recognizer)
    assert [d for _, d in examples] == [1, 1, 1]  # widely spaced strokes: one digit each
    assert all(s[0].shape[1] == 3 for s, _ in examples)


def test_extra_ink_defaults_to_the_shipped_recognizer(tmp_path):
    from recognizer.classifier import SHIPPED_MODEL

    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"{SHIPPED_MODEL} is missing")
    _write_export(tmp_path / "a", [([[[10, 10], [10, 100]], [[300, 10], [300, 100]]], "11")])
    examples = extra_ink.load_extra_ink(str(tmp_path / "a"))
    assert [d for _, d in examples] == [1, 1]

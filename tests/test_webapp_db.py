"""The corrections database, its export format and ``training.extra_ink`` reading it back."""
import json
import sqlite3
from types import SimpleNamespace

import numpy as np
import pytest

from inkdigits.cli import main as cli
from training import extra_ink
from webapp import db
from webapp.samples import SAMPLES_FILE, export_samples

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]
SEVEN = [[[60, 10, 200], [110, 10, 250]], [[110, 10, 400], [80, 110, 450]]]


def test_database_is_created_in_wal_mode(tmp_path):
    conn = db.connect(str(tmp_path / "sub" / "s.sqlite"))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[1] for r in conn.execute("PRAGMA table_info(sample)")] == [
        "id", "created", "label", "predicted", "model_version", "strokes"]


def test_insert_and_read_back(tmp_path):
    conn = db.connect(str(tmp_path / "s.sqlite"))
    first = db.insert_sample(conn, [ONE], "1", "7", "abc")
    second = db.insert_sample(conn, [ONE] + SEVEN, "17", None, "abc")
    assert (first, second) == (1, 2)
    rows = list(db.iter_samples(conn))
    assert [(r["id"], r["label"], r["predicted"], r["strokes"]) for r in rows] == [
        (1, "1", "7", [ONE]), (2, "17", None, [ONE] + SEVEN)]
    assert rows[0]["model_version"] == "abc" and rows[0]["created"] <= rows[1]["created"]


def test_each_sample_is_committed_on_its_own(tmp_path):
    path = str(tmp_path / "s.sqlite")
    conn = db.connect(path)
    db.insert_sample(conn, [ONE], "1", "1", "v")
    with pytest.raises(sqlite3.IntegrityError):
        db.insert_sample(conn, [ONE], None, "1", "v")   # label NOT NULL: rolled back
    assert not conn.in_transaction
    other = sqlite3.connect(path)                        # another reader sees the commit
    assert other.execute("SELECT COUNT(*) FROM sample").fetchone()[0] == 1


def test_app_uses_instance_folder_by_default(recognizer):
    from webapp import create_app

    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier})
    assert app.config["DATABASE"] == db.default_database()
    assert db.default_database().endswith("instance/inkdigits.sqlite")


def _saved(client, samples):
    for strokes, label in samples:
        r = client.post("/api/samples", json={"strokes": strokes, "label": label})
        assert r.status_code == 201


def test_export_writes_documented_jsonl(app, client, tmp_path):
    _saved(client, [([ONE] + SEVEN, "17"), ([ONE], "4")])
    out = tmp_path / "export"
    assert export_samples(app.config["DATABASE"], out) == 2
    lines = (out / SAMPLES_FILE).read_text().splitlines()
    items = [json.loads(line) for line in lines]
    assert [(i["id"], i["label"], i["strokes"]) for i in items] == [
        (1, "17", [ONE] + SEVEN), (2, "4", [ONE])]
    assert set(items[0]) == {"id", "created", "label", "predicted", "model_version", "strokes"}
    readme = (out / "README.md").read_text()
    assert all(f"`{key}`" in readme for key in items[0])


def test_export_command(app, client, tmp_path, capsys):
    _saved(client, [([ONE], "1")])
    out = tmp_path / "e"
    assert cli(["samples", "export", "--out", str(out), "--database",
                app.config["DATABASE"]]) == 0
    assert "wrote 1 samples" in capsys.readouterr().out
    assert len((out / SAMPLES_FILE).read_text().splitlines()) == 1
    assert cli(["samples", "export", "--out", str(out), "--database",
                str(tmp_path / "none.sqlite")]) == 2


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

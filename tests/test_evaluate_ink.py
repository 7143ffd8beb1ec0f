"""``inkdigits evaluate-ink``: the alignment and scores, and the command end to end."""
import json
from argparse import Namespace
from functools import lru_cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training.evaluate_ink import GAP, TARGETS, align, main, score


def levenshtein(a, b):
    """Reference edit distance, by plain recursion."""
    @lru_cache(maxsize=None)
    def d(i, j):
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j - 1) + (a[i - 1] != b[j - 1]), d(i - 1, j) + 1, d(i, j - 1) + 1)
    return d(len(a), len(b))


@pytest.mark.parametrize("truth, read, pairs", [
    ("2047", "2047", [("2", "2"), ("0", "0"), ("4", "4"), ("7", "7")]),
    ("2047", "247", [("2", "2"), ("0", GAP), ("4", "4"), ("7", "7")]),
    ("12", "172", [("1", "1"), (GAP, "7"), ("2", "2")]),
    ("12", "13", [("1", "1"), ("2", "3")]),
    ("", "5", [(GAP, "5")]),
    ("5", "", [("5", GAP)]),
    ("", "", []),
])
def test_align_examples(truth, read, pairs):
    assert align(truth, read) == pairs


@given(st.text("0123", max_size=8), st.text("0123", max_size=8))
def test_align_is_a_least_cost_alignment(truth, read):
    pairs = align(truth, read)
    assert "".join(a for a, _ in pairs if a != GAP) == truth
    assert "".join(b for _, b in pairs if b != GAP) == read
    assert sum(a != b for a, b in pairs) == levenshtein(truth, read)


def test_score():
    got = score(["2047", "11", "5", "90"], ["2047", "1", "6", "90"])
    assert got["n"] == 4
    assert got["exact"] == 50.0
    assert got["digit_accuracy"] == pytest.approx(100 * 7 / 9)
    assert got["wrong_count"] == 25.0
    assert got["errors"] == {"1→_": 1, "5→6": 1}


def args(**kw):
    base = dict(model=None, data=None, seed=0, count=3, scenario=None, json=False,
                save_errors=None, card=None, every=1)
    return Namespace(**{**base, **kw})


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return str(tiny_model_path)


@pytest.fixture(scope="module")
def data(pen_data_dir):
    return pen_data_dir


def test_table(capsys, model, data):
    assert main(args(model=model, data=data, scenario=["single", "tight"])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["scenario", "exact", "%"]
    rows = [line.split() for line in lines[3:5]]
    assert [r[0] for r in rows] == ["single", "tight"]
    assert [float(r[2]) for r in rows] == [TARGETS["single"], TARGETS["tight"]]
    assert all(r[-2] == "3" for r in rows)
    assert lines[-1].startswith("exact % by writer, all scenarios: ")


def test_json(capsys, model, data):
    assert main(args(model=model, data=data, scenario=["clean"], json=True, count=4)) == 0
    got = json.loads(capsys.readouterr().out)
    clean = got["scenarios"]["clean"]
    assert list(got["scenarios"]) == ["clean"] and clean["n"] == 4
    assert {"exact", "digit_accuracy", "wrong_count", "errors", "target", "met"} <= set(clean)
    assert clean["target"] == TARGETS["clean"]
    assert sum(n for _, n in clean["by_writer"].values()) == 4


def test_saved_errors_read_back(tmp_path, capsys, model, data):
    from inkdigits.cli import main as cli

    assert main(args(model=model, data=data, scenario=["delayed"], count=5,
                     save_errors=str(tmp_path))) == 0
    capsys.readouterr()
    saved = sorted(tmp_path.glob("delayed-*.json"))
    assert saved                      # an untrained model misreads most numbers
    doc = json.loads(saved[0].read_text())
    assert set(doc) == {"strokes", "text", "read", "writer"}
    assert cli(["recognize", str(saved[0]), "--model", model, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == doc["read"]


def test_unknown_scenario(capsys):
    assert main(args(scenario=["clean", "wobbly"])) == 2
    assert "unknown scenario 'wobbly'" in capsys.readouterr().err


def test_missing_model(capsys, tmp_path, data):
    assert main(args(model=str(tmp_path / "none.keras"), data=data)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model file not found" in err


def test_figures_go_into_the_model_card(tmp_path, capsys, model, data):
    card = tmp_path / "model_card.json"
    card.write_text(json.dumps({"test": {"accuracy": 0.99}}))
    assert main(args(model=model, data=data, scenario=["single"], count=2, card=str(card))) == 0
    got = json.loads(card.read_text())
    assert got["test"] == {"accuracy": 0.99}          # the rest of the card is kept
    single = got["ink_eval"]["scenarios"]["single"]
    assert single["n"] == 2 and single["target"] == TARGETS["single"]
    assert "--scenario single" in got["ink_eval"]["command"]
    assert set(got["ink_eval"]["git"]) == {"commit", "dirty"}


def test_sparse_ink_keeps_every_kth_pen_point(tmp_path, capsys, model, data):
    assert main(args(model=model, data=data, scenario=["clean"], count=2, every=3,
                     save_errors=str(tmp_path), json=True)) == 0
    assert json.loads(capsys.readouterr().out)["every"] == 3
    from training.compose import generate, load_bank

    dense = generate("clean", 2, seed=0, bank=load_bank(data))
    saved = sorted(tmp_path.glob("clean-*.json"))
    assert saved                      # an untrained model misreads most numbers
    for f in saved:
        k = int(f.stem.split("-")[1])
        sparse = json.loads(f.read_text())["strokes"]
        assert [len(s) for s in sparse] == [(len(s) - 2) // 3 + 2 for s in dense[k].strokes]


def test_every_must_be_positive(capsys):
    from inkdigits.cli import main as cli

    with pytest.raises(SystemExit):
        cli(["evaluate-ink", "--every", "0"])
    assert "must be at least 1" in capsys.readouterr().err

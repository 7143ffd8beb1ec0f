"""``inkdigits evaluate-ink``: alignment, scores, summaries over seeds, the command end to end."""
import json
from argparse import Namespace
from functools import lru_cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training.evaluate_ink import GAP, TARGETS, align, joined, main, regrouped, score
from training.ink_report import summarize


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
    assert (got["merges"], got["splits"]) == (25.0, 0.0)
    assert score(["10", "8"], ["110", "00"])["splits"] == 100.0
    assert got["exact"] == 50.0
    assert got["digit_accuracy"] == pytest.approx(100 * 7 / 9)
    assert got["wrong_count"] == 25.0
    assert got["errors"] == {"1→_": 1, "5→6": 1}


def test_regrouped_is_a_same_count_misreading_that_moved_a_stroke():
    from types import SimpleNamespace as NS

    from training.compose import Composed

    # "51": the 5's body is stroke 0, its bar stroke 1, the 1 stroke 2
    sample = Composed(strokes=[], text="51", scenario="tight", writer=1,
                      digit_strokes=[[0, 1], [2]])
    read = lambda text, *groups: NS(text=text, digits=[NS(strokes=list(g)) for g in groups])
    assert regrouped(sample, read("57", [0], [1, 2]))          # the bar went to the 1
    assert not regrouped(sample, read("57", [0, 1], [2]))      # the right strokes, misread
    assert not regrouped(sample, read("51", [0, 1], [2]))      # read right
    assert not regrouped(sample, read("5", [0, 1, 2]))         # a merge, counted as one
    assert not regrouped(sample, None)                         # refused




def test_joined_numbers_have_a_stroke_of_two_digits():
    from training.compose import Composed

    number = lambda *groups: Composed([], "0" * len(groups), "tight", 1, [list(g) for g in groups])
    assert joined(number([0], [0, 1]))            # the 1's stroke runs on from the 0's
    assert not joined(number([0, 1], [2]))
    assert not joined(number([0, 0], [1]))        # a stroke named twice in one digit


def test_joined_numbers_are_the_composer_s_run_on_strokes(data):
    from training.compose import generate, load_bank

    bank = load_bank(data, "pendigits", "dev")
    assert not any(joined(s) for s in generate("clean", 40, seed=0, bank=bank))
    tight = generate("tight", 40, seed=0, bank=bank)
    run_on = [s for s in tight if joined(s)]
    assert run_on
    for s in tight:      # fewer strokes on paper than the digits were written with
        assert (len(s.strokes) < sum(len(set(g)) for g in s.digit_strokes)) == joined(s)


def run(exact, by_writer, errors, ms=10.0, misread=None):
    """A hand-made ``evaluate`` result of one seed."""
    n = sum(n for _, n in by_writer.values())
    return {"n": n, "exact": exact, "digit_accuracy": exact, "wrong_count": 100.0 - exact,
            "errors": errors, "misread": misread or {}, "by_writer": by_writer,
            "ms_per_number": ms}


def test_summary_pools_seeds_and_writers():
    runs = [run(80.0, {"a:x": [4, 4], "a:y": [0, 1], 3: [4, 5]}, {"1→7": 2, "0→_": 1}, 10.0),
            run(90.0, {"a:x": [3, 4], "a:y": [2, 2], 3: [4, 4]}, {"1→7": 1, "6→4": 3}, 30.0),
            run(100.0, {"a:x": [2, 2], 3: [8, 8]}, {}, 20.0)]
    got = summarize(runs, [0, 1, 2], target=85.0)
    assert got["n"] == 30 and got["seeds"] == [0, 1, 2] and got["writers"] == 3
    assert got["exact"] == pytest.approx(90.0) and got["exact_spread"] == pytest.approx(10.0)
    assert got["exact_by_seed"] == [80.0, 90.0, 100.0] and got["met"]
    # per writer over all seeds: a:x 9/10, a:y 2/3, 3 16/17
    assert got["worst_writer"] == {"writer": "a:y", "exact": pytest.approx(200 / 3), "numbers": 3}
    assert got["p10_writer"]["writer"] == "a:y"        # 10th percentile of three writers
    assert got["errors"] == {"6→4": 3, "1→7": 3, "0→_": 1}
    assert got["ms_per_number"] == 20.0


def test_summary_pools_joined_numbers_and_the_rest():
    runs = [{**run(50.0, {1: [1, 2]}, {}), "joined": [[1, 2], [5, 6]]},
            {**run(50.0, {1: [1, 2]}, {}), "joined": [[0, 1], [3, 3]]}]
    assert summarize(runs, [0, 1], target=1.0)["joined"] == {
        "joined": {"numbers": 3, "exact": pytest.approx(100 / 3)},
        "apart": {"numbers": 9, "exact": pytest.approx(800 / 9)}}
    none = summarize([{**run(50.0, {1: [1, 2]}, {}), "joined": [[0, 0], [1, 2]]}], [0], 1.0)
    assert none["joined"]["joined"] == {"numbers": 0, "exact": None}


def test_the_tenth_percentile_writer_of_many():
    by_writer = {f"w:{k:02d}": [k, 20] for k in range(21)}   # 0/20 ... 20/20 right
    got = summarize([run(50.0, by_writer, {})], [0], target=1.0)
    assert got["worst_writer"]["writer"] == "w:00" and got["exact_spread"] == 0.0
    assert got["p10_writer"] == {"writer": "w:02", "exact": 10.0, "numbers": 20}


def args(**kw):
    base = dict(model=None, data=None, split="dev", source=["pendigits"], seeds=[0], count=3,
                scenario=None, json=False, save_errors=None, card=None, every=1, set=None,
                path_model=None)
    return Namespace(**{**base, **kw})


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return str(tiny_model_path)


@pytest.fixture(scope="module")
def data(pen_data_dir):
    return pen_data_dir


def test_table(capsys, model, data):
    assert main(args(model=model, data=data, scenario=["single", "tight"], seeds=[0, 1])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dev writers of pendigits (5 writers), seeds 0,1, 3 numbers")
    assert lines[1].split()[:4] == ["scenario", "exact", "%", "±"]
    rows = [line.split() for line in lines[3:5]]
    assert [r[0] for r in rows] == ["single", "tight"]
    assert [float(r[4]) for r in rows] == [TARGETS["single"], TARGETS["tight"]]
    assert all(r[9] == "/" and r[12] == "6" for r in rows)     # merge / split, regrouped, n
    assert all(0.0 <= float(r[11]) <= 100.0 for r in rows)
    assert lines[5].startswith("top errors over all seeds (true→read")


def test_the_table_reads_joined_numbers_apart(capsys, model, data):
    from training.compose import generate, load_bank

    bank = load_bank(data, "pendigits", "dev")
    run_on = sum(joined(s) for s in generate("tight", 30, seed=0, bank=bank))
    assert 0 < run_on < 30
    assert main(args(model=model, data=data, scenario=["clean", "tight"], count=30)) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if "neighbours in one stroke" in line]
    assert [(r[0], int(r[5]), int(r[11].rstrip(":"))) for r in rows] == [
        ("tight", run_on, 30 - run_on)]         # clean writes no neighbours in one stroke


def test_json(capsys, model, data):
    assert main(args(model=model, data=data, scenario=["clean"], json=True, count=4,
                     seeds=[0, 1])) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["split"] == "dev" and got["seeds"] == [0, 1]
    assert got["writers"] == {"pendigits": [f"pendigits:{w}" for w in range(26, 31)]}
    clean = got["sources"]["pendigits"]["clean"]
    assert clean["n"] == 8 and len(clean["exact_by_seed"]) == 2
    assert {"exact", "exact_spread", "digit_accuracy", "wrong_count", "regrouped", "errors",
            "worst_writer", "p10_writer", "target", "met"} <= set(clean)
    assert clean["worst_writer"]["writer"] in range(26, 31)
    assert clean["joined"]["joined"] == {"numbers": 0, "exact": None}
    assert clean["joined"]["apart"]["numbers"] == 8


def test_both_sources_by_default_reported_separately(capsys, model, data_dir):
    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"unipen data absent in {data_dir}")
    assert main(args(model=model, data=str(data_dir), source=None, scenario=["single"],
                     json=True, count=2)) == 0
    got = json.loads(capsys.readouterr().out)
    assert list(got["sources"]) == ["pendigits", "unipen"]
    from training.splits import split_of

    assert {split_of(w) for w in got["writers"]["unipen"]} == {"dev"}
    assert len(got["writers"]["unipen"]) > 40


def test_saved_errors_read_back(tmp_path, capsys, model, data):
    from inkdigits.cli import main as cli

    from recognizer import NumberRecognizer

    # the untrained CNN alone (the sequence reader, proposing, reads most numbers right)
    assert main(args(model=model, data=data, scenario=["delayed"], count=5,
                     save_errors=str(tmp_path), sequence_model=False)) == 0
    capsys.readouterr()
    saved = sorted((tmp_path / "pendigits").glob("delayed-s0-*.json"))
    assert saved                      # an untrained model misreads most numbers
    doc = json.loads(saved[0].read_text())
    assert set(doc) == {"strokes", "text", "read", "writer"}
    alone = NumberRecognizer(model, sequence_model=False)
    assert alone.recognize(doc["strokes"]).text == doc["read"]
    # the file is `inkdigits recognize`'s input, and reads the same there
    assert cli(["recognize", str(saved[0]), "--model", model, "--sequence-model", "none",
                "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == doc["read"]


def test_unknown_scenario(capsys):
    assert main(args(scenario=["clean", "wobbly"])) == 2
    assert "unknown scenario 'wobbly'" in capsys.readouterr().err


def test_missing_model(capsys, tmp_path, data):
    assert main(args(model=str(tmp_path / "none.keras"), data=data)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model file not found" in err


@pytest.fixture
def carded_model(tmp_path, tiny_model_path):
    """The tiny model beside a card saying it trained on pendigits writer 3 (a test writer)."""
    import shutil

    path = tmp_path / "digits.keras"
    shutil.copy(tiny_model_path, path)
    (tmp_path / "model_card.json").write_text(json.dumps(
        {"test": {"accuracy": 0.99}, "train_writers": ["pendigits:3", "pendigits:1"]}))
    return path


def test_test_split_refuses_a_model_that_trained_on_its_writers(capsys, carded_model, data):
    assert main(args(model=str(carded_model), data=data, split="test", path_model=False)) == 2
    err = capsys.readouterr().err
    assert "trained on 1 test writers of pendigits (pendigits:3)" in err


def test_test_figures_go_into_the_model_card(capsys, carded_model, data_dir):
    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"unipen data absent in {data_dir}")
    card = carded_model.with_name("model_card.json")
    assert main(args(model=str(carded_model), data=str(data_dir), split="test",
                     source=["unipen"], path_model=False, scenario=["single"], count=2,
                     seeds=[0, 1], card=str(card))) == 0
    got = json.loads(card.read_text())
    assert got["test"] == {"accuracy": 0.99}          # the rest of the card is kept
    ink = got["ink_eval"]
    assert ink["split"] == "test" and set(ink["git"]) == {"commit", "dirty"}
    assert ink["command"] == ("inkdigits evaluate-ink --split test --seeds 0,1 --count 2 "
                              "--source unipen --path-model none --scenario single")
    single = ink["sources"]["unipen"]["single"]
    assert single["n"] == 4 and single["target"] == TARGETS["single"]
    assert "val:val02" in ink["writers"]["unipen"]


def test_the_card_takes_test_figures_only(capsys, model):
    assert main(args(model=model, card="card.json")) == 2
    assert "--card records the test figures" in capsys.readouterr().err


def test_sparse_ink_keeps_every_kth_pen_point(tmp_path, capsys, model, data):
    assert main(args(model=model, data=data, scenario=["clean"], count=2, every=3,
                     save_errors=str(tmp_path), json=True, sequence_model=False)) == 0
    assert json.loads(capsys.readouterr().out)["every"] == 3
    from training.compose import generate, load_bank

    dense = generate("clean", 2, seed=0, bank=load_bank(data))
    saved = sorted((tmp_path / "pendigits").glob("clean-*.json"))
    assert saved                      # an untrained model misreads most numbers
    for f in saved:
        k = int(f.stem.split("-")[2])
        sparse = json.loads(f.read_text())["strokes"]
        assert [len(s) for s in sparse] == [(len(s) - 2) // 3 + 2 for s in dense[k].strokes]


@pytest.mark.parametrize("option, message", [
    (["--every", "0"], "must be at least 1"),
    (["--seeds", "a-b"], "seeds are N, N-M or N,M"),
    (["--set", "overlap_weight"], "--set wants NAME=v1,v2"),
    (["--split", "holdout"], "invalid choice: 'holdout'"),
])
def test_bad_options_are_named(capsys, option, message):
    from inkdigits.cli import main as cli

    with pytest.raises(SystemExit):
        cli(["evaluate-ink", *option])
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("text, seeds", [("0-3", [0, 1, 2, 3]), ("0,7,11", [0, 7, 11]),
                                         ("5", [5]), ("0-1,9", [0, 1, 9])])
def test_seeds(text, seeds):
    from inkdigits.cli import build_parser

    assert build_parser().parse_args(["evaluate-ink", "--seeds", text]).seeds == seeds


def test_a_sweep_prints_one_row_per_setting(capsys, model, data):
    from training.sweep import parse_setting

    assert main(args(model=model, data=data, scenario=["single", "clean"], count=2,
                     seeds=[0, 1], set=[parse_setting("overlap_weight=2,8")])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("exact % mean ± sd over seeds: dev writers of pendigits")
    assert lines[1].split() == ["setting", "single", "clean"]
    assert [line.split()[0] for line in lines[3:]] == ["overlap_weight=2.0", "overlap_weight=8.0"]
    assert all(len(line.split()) == 7 for line in lines[3:])    # mean ± sd, twice


def test_numbers_over_the_work_budget_are_refused_and_counted(capsys, model, data):
    from training.sweep import parse_setting

    assert main(args(model=model, data=data, scenario=["long"], count=2, json=True,
                     set=[parse_setting("max_candidates=1")])) == 0
    (run,) = json.loads(capsys.readouterr().out)["sweep"]
    long = run["sources"]["pendigits"]["long"]
    assert run["set"] == "max_candidates=1"
    assert long["refused"] == 2 and long["exact"] == 0.0 and long["wrong_count"] == 100.0


def test_a_sweep_of_an_unknown_field_is_named(capsys, model, data):
    from training.sweep import parse_setting

    assert main(args(model=model, data=data, set=[parse_setting("overlap=2,8")])) == 2
    assert "SegmentConfig has no field 'overlap'" in capsys.readouterr().err


def test_no_sweep_on_test_writers(capsys, model):
    from training.sweep import parse_setting

    assert main(args(model=model, split="test", set=[parse_setting("doubt=0.5,0.7")])) == 2
    assert "sweep on --split dev, never on test" in capsys.readouterr().err

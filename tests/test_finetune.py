"""The shared loop's guard: corrections are capped per profile, and a model worse than the
one it replaces on MNIST or dev writers is refused (issue 12, item 6)."""
import json
from types import SimpleNamespace

import pytest
from shapes import number

from training import extra_ink
from training.finetune import compare, format_comparison


class OneDigitPerStroke:
    """A stand-in recognizer whose segmentation makes one digit per stroke."""

    def recognize(self, ink):
        return SimpleNamespace(digits=[SimpleNamespace(strokes=[i]) for i in range(len(ink))])


def _export(directory, samples):
    """An export directory of (strokes, label, profile) samples, oldest first."""
    directory.mkdir()
    lines = [json.dumps({"id": i, "label": label, "profile_id": who,
                         "strokes": [s.tolist() for s in strokes]})
             for i, (strokes, label, who) in enumerate(samples)]
    (directory / extra_ink.SAMPLES_FILE).write_text("\n".join(lines) + "\n")
    return directory


def _poisoned(directory, floods=300):
    """One profile sends ``floods`` ones labelled 7; two honest writers a few numbers each."""
    one, _ = number("1")
    honest = [(number("17")[0], "17", "alice"), (number("2")[0], "2", "bob")] * 3
    return _export(directory, honest[:2] + [(one, "7", "mallory")] * floods + honest[2:]
                   + [(number("30")[0], "30", None)])


def test_one_profile_adds_at_most_its_cap(tmp_path):
    examples, counts = extra_ink.load_extra_ink(_poisoned(tmp_path / "e"), OneDigitPerStroke(),
                                                per_profile=20, with_counts=True)
    labels = [d for _, d in examples]
    assert labels.count(7) - labels.count(1) == 20   # alice's 17s: a 1 and a 7 each
    assert labels.count(1) == 3 and labels.count(2) == 3 and labels.count(0) == 1
    assert counts == {"samples": 307, "digits": 31, "capped": 280, "unusable": 0}


def test_a_number_that_would_pass_the_cap_is_left_out_whole(tmp_path):
    d = _export(tmp_path / "e", [(number("11")[0], "11", "p")] * 3)
    examples = extra_ink.load_extra_ink(d, OneDigitPerStroke(), per_profile=5)
    assert len(examples) == 4        # two numbers of two digits; the third would make 6


def test_without_a_cap_the_flood_is_all_there(tmp_path):
    examples = extra_ink.load_extra_ink(_poisoned(tmp_path / "e"), OneDigitPerStroke())
    assert [d for _, d in examples].count(7) == 300 + 3


def test_the_guard_refuses_any_figure_that_got_worse():
    old = {"MNIST test": 99.60, "dev pendigits": 98.0, "dev unipen": 95.0}
    rows, ok = compare(old, {**old, "dev unipen": 96.5})
    assert ok and rows[2] == ("dev unipen", 95.0, 96.5, pytest.approx(1.5))
    rows, ok = compare(old, {**old, "MNIST test": 99.59, "dev unipen": 99.0})
    assert not ok
    assert "refused" in format_comparison(rows, ok) and "-0.01" in format_comparison(rows, ok)
    assert compare(old, {**old, "MNIST test": 99.59}, tolerance=0.05)[1]


def test_a_poisoned_export_does_not_pass_the_guard(tmp_path, data_dir, capsys):
    """The flood taken whole (no cap) and learnt hard: the candidate reads MNIST's ones as
    sevens, the guard prints the comparison, refuses it, and nothing ships."""
    from recognizer.classifier import SHIPPED_MODEL

    from inkdigits.cli import main

    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"UNIPEN data absent in {data_dir}")
    export = _poisoned(tmp_path / "e", floods=400)
    out = tmp_path / "ft"
    code = main(["finetune", "--extra-ink", str(export), "--out", str(out), "--data",
                 str(data_dir), "--per-profile", "100000", "--learning-rate", "0.003",
                 "--epochs", "2", "--limit", "1000"])
    printed = capsys.readouterr().out
    assert code == 1, printed
    assert "refused" in printed and "MNIST test" in printed and "dev unipen" in printed
    assert not (out / "digits.keras").exists() and (out / "digits.refused.keras").is_file()
    report = json.loads((out / "guard.json").read_text())
    assert report["shipped"] is False and report["replaced"] == str(SHIPPED_MODEL)
    mnist = next(f for f in report["figures"] if f["set"] == "MNIST test")
    assert mnist["candidate"] < mnist["replaced"]

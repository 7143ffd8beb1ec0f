"""``inkdigits evaluate-adapt`` and ``benchmarks.profile``: the protocol's parts, and both
end to end on a tiny model (readings arbitrary, so most teaching numbers are corrected)."""
import pytest

from training.evaluate_adapt import (CAUSES, CURVE, cause, format_table, main, split_by_order,
                                     summary)
from training.pendigits import PenDigit


def test_a_writers_digits_split_by_order_with_no_sample_in_both():
    labels = (1, 2, 1, 2, 1, 2, 1, 3)
    digits = [PenDigit((i,), label, 7) for i, label in enumerate(labels)]
    teach, test = split_by_order(digits)
    order = lambda bank: {k: [d.strokes[0] for d in v] for k, v in bank.items()}  # noqa: E731
    assert order(teach) == {1: [0, 2], 2: [1]}          # the first half of each digit
    assert order(test) == {1: [4, 6], 2: [3, 5]}        # the rest; a lone 3 is left out


def _result(writer, without, with_):
    return {"writer": writer, "corrections": 3, "taught_numbers": 9,
            "without": {"clean": without, "tight": without},
            "with": {"clean": with_, "tight": with_},
            "curve": {k: {"clean": with_, "tight": with_} for k in CURVE}}


def test_summary_judges_the_targets():
    results = [_result(1, 80.0, 95.0)] + [_result(w, 99.0, 99.0) for w in range(2, 11)]
    results.append(_result(11, 98.0, 97.0))
    info = summary(results)
    assert info["worst_writers"] == [1, 11] and info["worst_gain"] == pytest.approx(7.0)
    assert info["clean"]["min_with"] == 95.0 and info["worse_writers"] == [11]   # worse on both layouts, named once
    text = format_table(results, info)
    assert "NOT met (lowest 95.0%)" in text and "+7.0 points" in text and "NOT met (11)" in text


def test_test_writers_that_trained_the_model_are_refused(tiny_model_path, pen_data_dir,
                                                         tmp_path, capsys):
    import json
    import shutil

    from inkdigits.cli import build_parser
    from training.splits import split_of

    model = tmp_path / "digits.keras"
    shutil.copy(tiny_model_path, model)
    test_writer = next(w for w in range(1, 31) if split_of(w) == "test")
    (tmp_path / "model_card.json").write_text(json.dumps(
        {"train_writers": [f"pendigits:{test_writer}"]}))
    args = build_parser().parse_args(["evaluate-adapt", "--split", "test", "--source",
                                      "pendigits", "--data", pen_data_dir, "--model", str(model)])
    assert main(args) == 2          # a card that lists a test writer among its trainers
    assert "trained this model" in capsys.readouterr().err


def test_evaluate_adapt_end_to_end(tiny_model_path, pen_data_dir, capsys):
    from inkdigits.cli import main as cli

    # the tiny CNN alone (no sequence reader) misreads more than two teaching numbers
    assert cli(["evaluate-adapt", "--model", str(tiny_model_path), "--data", pen_data_dir,
                "--writers", "28", "--count", "2", "--corrections", "2",
                "--set", "sequence_weight=0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["writer", "fixes", "taught"]
    writer, fixes, taught = lines[3].split()[:3]
    assert (writer, fixes) == ("pendigits:28", "2") and int(taught) >= 2   # stops at 2


def test_every_number_misread_with_the_profile_gets_one_cause(tiny_model_path, pen_data_dir,
                                                              capsys):
    import json

    from inkdigits.cli import main as cli

    assert cli(["evaluate-adapt", "--model", str(tiny_model_path), "--data", pen_data_dir,
                "--writers", "28", "--count", "3", "--corrections", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    misread = sum(round(3 * (100.0 - result["with"][lay]) / 100.0) for lay in ("clean", "tight"))
    assert sorted(result["left"]) == sorted(CAUSES)
    assert sum(result["left"].values()) == misread


def _misread(truth_strokes, text, read_strokes, read_text):
    """A composed number and its reading, as ``cause`` sees them (crops are placeholders)."""
    from types import SimpleNamespace

    import numpy as np

    sample = SimpleNamespace(text=text, digit_strokes=truth_strokes)
    digits = [SimpleNamespace(strokes=s, label=int(c), crop=np.zeros((28, 28), np.float32))
              for s, c in zip(read_strokes, read_text)]
    return sample, SimpleNamespace(text=read_text, digits=digits)


@pytest.mark.parametrize("taught, expected", [
    ({7: [1.0, 0.0]}, "untaught"),                        # no 1 of theirs: the shape is new
    ({7: [1.0, 0.0], 1: [0.0, 1.0]}, "untaught"),         # their 1s look nothing like it
    ({7: [1.0, 0.0], 1: [0.96, 0.28]}, "alike"),           # their 1s and 7s look the same
    ({7: [0.0, 1.0], 1: [1.0, 0.0]}, "outvoted"),          # their 1s are it, yet read 7
])
def test_a_misread_digits_cause_is_where_the_writers_samples_put_its_crop(taught, expected):
    from types import SimpleNamespace

    import numpy as np

    from recognizer import Profile
    from recognizer.adapt import AdaptConfig

    class Classifier:                # every crop embeds at (1, 0)
        def embed(self, crops):
            return np.zeros((len(crops), 11)), np.tile([1.0, 0.0], (len(crops), 1))

    profile = Profile()
    labels = [d for d, v in taught.items() for _ in range(2)]
    profile.add("m", labels, np.array([taught[d] for d in labels]))
    rec = SimpleNamespace(classifier=Classifier(), adapt=AdaptConfig())
    sample, reading = _misread([[0], [1]], "21", [[0], [1]], "27")
    assert cause(rec, profile, sample, reading) == expected


def test_a_number_cut_into_other_digits_is_a_grouping_cause():
    sample, reading = _misread([[0], [1, 2]], "14", [[0, 1], [2]], "71")
    assert cause(None, None, sample, reading) == "grouping"
    sample, reading = _misread([[0], [1]], "11", [[0, 1]], "4")       # a merge
    assert cause(None, None, sample, reading) == "grouping"


def test_adapt_knobs_reach_the_config(tiny_model_path, pen_data_dir, capsys):
    from inkdigits.cli import main as cli

    assert cli(["evaluate-adapt", "--model", str(tiny_model_path), "--data", pen_data_dir,
                "--writers", "28", "--count", "1", "--corrections", "1", "--junk-ones", "no",
                "--junk-rival", "0.5", "--learn-junk", "no", "--guard", "no",
                "--upright-paths", "no", "--set", "doubt=0.5"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "junk_rival=0.5" in header and "junk_ones=False" in header
    assert "learn_junk=False" in header and "guard=False" in header
    assert "upright_paths=False" in header
    assert "SegmentConfig {'doubt': 0.5}" in header


def test_segment_settings_are_one_value_each(tiny_model_path, pen_data_dir, capsys):
    from inkdigits.cli import main as cli

    assert cli(["evaluate-adapt", "--model", str(tiny_model_path), "--data", pen_data_dir,
                "--writers", "28", "--set", "doubt=0.5,0.6"]) == 2
    assert "one value per --set" in capsys.readouterr().err


def test_unknown_writer_is_a_clear_error(tiny_model_path, pen_data_dir, capsys):
    from inkdigits.cli import main as cli

    assert cli(["evaluate-adapt", "--model", str(tiny_model_path), "--data", pen_data_dir,
                "--writers", "999"]) == 2
    assert "no dev writer pendigits:999" in capsys.readouterr().err


def test_profile_benchmark_end_to_end(tiny_model_path, pen_data_dir, capsys):
    from benchmarks import profile

    assert profile.main(["--model", str(tiny_model_path), "--data", pen_data_dir,
                         "--samples", "12", "--count", "2", "--repeat", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("profile: 1") and "samples from" in out[1]
    assert [line.split()[0] for line in out[3:7]] == ["learn", "recognize,", "recognize,", "added"]
    assert out[-2].startswith("target: profile adds") and out[-1].startswith("target: learn")


def test_a_correction_learn_refuses_teaches_nothing_and_is_reported():
    from types import SimpleNamespace

    from recognizer import InvalidLabel, Profile
    from training.evaluate_adapt import teach

    class Rec:                       # misreads everything; cannot align "99"
        def recognize(self, strokes, profile=None):
            return SimpleNamespace(text="")

        def learn(self, profile, strokes, text):
            if text == "99":
                raise InvalidLabel("no grouping")
            profile.corrections += 1

    numbers = [SimpleNamespace(strokes=[], text=t) for t in ("12", "99", "34", "56")]
    refused = []
    snapshots, made, written = teach(Rec(), Profile, numbers, 2, refused=refused)
    assert (made, written, refused) == (2, 3, ["99"])
    info = summary([{**_result(1, 90.0, 90.0), "refused": refused}])
    assert "not counted: 1: 1 '99'" in format_table([{**_result(1, 90.0, 90.0),
                                                       "refused": refused}], info)


def test_confirmations_learn_the_first_numbers_read_right_and_are_not_corrections():
    from types import SimpleNamespace

    from recognizer import Profile
    from training.evaluate_adapt import teach

    learnt = []

    class Rec:                       # reads "11" and "22" right, misreads the rest
        def recognize(self, strokes, profile=None):
            return SimpleNamespace(text=strokes)

        def learn(self, profile, strokes, text):
            learnt.append(text)
            profile.corrections += 1

    numbers = [SimpleNamespace(strokes=t if t in ("11", "22", "33") else "", text=t)
               for t in ("11", "44", "22", "33", "55", "66")]
    snapshots, made, written = teach(Rec(), Profile, numbers, 2, confirmations=2)
    assert (made, written) == (2, 5)             # two corrections: 44 and 55
    assert learnt == ["11", "44", "22", "55"]    # 33, read right after two, is not saved
    learnt.clear()
    assert teach(Rec(), Profile, numbers, 2)[1:] == (2, 5) and learnt == ["44", "55"]


def test_every_adapt_knob_can_be_set_from_the_command_line(monkeypatch):
    # evaluate-adapt is where AdaptConfig's values are chosen: each must reach the config
    from dataclasses import fields

    import training.evaluate_adapt as ea
    from inkdigits.cli import build_parser
    from recognizer.adapt import AdaptConfig

    values = {"near": "0.5", "gain": "2", "k": "3", "margin": "0.2", "vouch": "0.9",
              "untaught": "0.7", "junk_rival": "0.6", "learn_junk": "no", "junk_ones": "yes",
              "upright_paths": "no", "guard": "no", "habit_penalty": "1.5", "habit_min": "4",
              "regroup": "shared", "path_weight": "0.5", "path_margin": "0.2",
              "path_near": "0.7", "supported": "yes", "sequence_weight": "0.1",
              "sequence_mutes": "no", "regroup_sequence_weight": "0.3", "learn_gap": "0.7",
              "regroup_reach": "1.5"}
    assert set(values) == {f.name for f in fields(AdaptConfig)}
    argv = ["evaluate-adapt"]
    for name, v in values.items():
        argv += [f"--{name.replace('_', '-')}", v]
    got = {}

    class Stop(Exception):
        pass

    def fake(path, adapt, config, sequence_model):
        got["config"] = adapt
        raise Stop

    monkeypatch.setattr("recognizer.NumberRecognizer", fake)
    with pytest.raises(Stop):
        ea.main(build_parser().parse_args(argv))
    config = got["config"]
    for f in fields(AdaptConfig):
        want = values[f.name]
        want = {"yes": True, "no": False}.get(want, want)
        assert getattr(config, f.name) == (want if isinstance(want, bool) else type(f.default)(want))


def test_alignment_errors_count_the_digits_a_correction_taught_on_other_strokes():
    from types import SimpleNamespace as NS

    from training.evaluate_adapt import alignment_errors

    def learnt(*strokes):
        return NS(digits=[NS(strokes=list(s)) for s in strokes])

    whole = NS(digit_strokes=[[0, 1], [2], [3]])          # a 4 of two strokes, then 1, 1
    assert alignment_errors(whole, learnt([0, 1], [2], [3])) == (False, 0, 3)
    assert alignment_errors(whole, learnt([0], [1, 2], [3])) == (False, 2, 3)   # hook moved
    shared = NS(digit_strokes=[[0], [1, 1], [1, 2]])      # a 5's stroke goes on into a 7
    assert alignment_errors(shared, learnt([0], [1], [1, 2])) == (True, 0, 3)
    assert alignment_errors(shared, learnt([0, 1], [1], [2])) == (True, 2, 3)
    rows = [{**_result(1, 90.0, 95.0), "misaligned": {"whole": [2, 30], "shared": [1, 4]}},
            {**_result(2, 90.0, 95.0), "misaligned": {"whole": [0, 10], "shared": [3, 6]}}]
    assert ("digits corrections taught on other strokes than drawn: 2 of 40 in numbers of "
            "whole strokes, 4 of 10 in numbers with a stroke of two digits"
            in format_table(rows, summary(rows)))

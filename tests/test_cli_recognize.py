"""``inkdigits recognize FILE.json``: readings of good files, one-line errors for bad ones."""
import io
import json

import pytest

from inkdigits.cli import main

# A "1" (one stroke) and a "0" (one closed stroke), canvas pixels, with and without t.
ONE_ZERO = [[[10, 10, 0], [12, 40, 50], [14, 70, 100]],
            [[40, 10], [70, 12], [72, 68], [42, 70], [40, 12]]]


@pytest.fixture(scope="module")
def model(tiny_model_path):
    """The untrained tiny model from conftest: arbitrary but well-formed readings."""
    return str(tiny_model_path)


def write(tmp_path, content, name="ink.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def run(capsys, *argv):
    code = main(["recognize", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_output(tmp_path, capsys, model):
    code, out, err = run(capsys, write(tmp_path, json.dumps({"strokes": ONE_ZERO})),
                         "--model", model)
    lines = out.splitlines()
    assert code == 0
    text = lines[0]
    assert text.isdigit() and 1 <= len(text) <= 2
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["#", "digit", "conf"])
    rows = [line.split() for line in lines[header + 1:]]
    assert len(rows) == len(text)
    assert [r[1] for r in rows] == list(text)


def test_json_output_is_result_to_dict(tmp_path, capsys, model):
    from recognizer import NumberRecognizer, result_to_dict

    code, out, _ = run(capsys, write(tmp_path, json.dumps(ONE_ZERO)), "--model", model, "--json")
    assert code == 0
    got = json.loads(out)
    assert got == result_to_dict(NumberRecognizer.load(model).recognize(ONE_ZERO))
    assert set(got) == {"text", "score", "digits", "alternatives"}
    used = sorted(j for d in got["digits"] for j in d["strokes"])
    assert used == [0, 1]
    for d in got["digits"]:
        assert len(d["probabilities"]) == 10 and len(d["bbox"]) == 4


def test_bare_list_and_object_read_the_same(tmp_path, capsys, model):
    _, bare, _ = run(capsys, write(tmp_path, json.dumps(ONE_ZERO), "a.json"), "--model", model)
    _, obj, _ = run(capsys, write(tmp_path, json.dumps({"strokes": ONE_ZERO, "text": "10"}),
                                  "b.json"), "--model", model)
    assert bare == obj


def test_stdin(capsys, monkeypatch, model):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"strokes": ONE_ZERO})))
    code, out, _ = run(capsys, "-", "--model", model, "--json")
    assert code == 0 and json.loads(out)["text"].isdigit()


@pytest.mark.parametrize("content", ["[]", '{"strokes": []}', "[[]]"])
def test_empty_drawing(tmp_path, capsys, model, content):
    code, out, _ = run(capsys, write(tmp_path, content), "--model", model)
    assert (code, out) == (0, "(no digits)\n")
    code, out, _ = run(capsys, write(tmp_path, content), "--model", model, "--json")
    assert json.loads(out) == {"text": "", "score": 0.0, "digits": [], "alternatives": []}


BAD = [
    ("", "not valid JSON"),
    ("[[[0, 0], [1, 1]]", "not valid JSON"),
    ("{'strokes': []}", "not valid JSON"),
    ('{"ink": [[[0, 0]]]}', 'needs a "strokes" key'),
    ("42", "got a number"),
    ('"strokes"', "got a string"),
    ('{"strokes": {"0": [[0, 0]]}}', "got an object"),
    ("[[[0, 0], [1, NaN]]]", "stroke 0, point 1: coordinates must be finite"),
    ("[[[0, 0]], [[0, 1e999]]]", "stroke 1, point 0: coordinates must be finite"),
    ("[[[0, 0]], [[0, 1" + "0" * 400 + "]]]", "stroke 1, point 0: coordinates must be finite"),
    ('[[[0, 0], ["a", 1]]]', "stroke 0, point 1"),
    ("[[[0, 0], [1, 2, 3, 4]]]", "stroke 0, point 1"),
    ("[[[0, 0], [1, true]]]", "stroke 0, point 1"),
    ("[[0, 0], [1, 1]]", "stroke 0"),
    ("null", "got null"),
    ("[" * 100_000, "nested too deeply"),
    (b"\xff\xfe[", "cannot read"),
]


@pytest.mark.parametrize("content, message", BAD)
def test_bad_input_one_line_exit_2(tmp_path, capsys, model, content, message):
    code, out, err = run(capsys, write(tmp_path, content), "--model", model)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("inkdigits recognize: ")
    assert message in err


def test_missing_file(tmp_path, capsys, model):
    code, _, err = run(capsys, str(tmp_path / "none.json"), "--model", model)
    assert code == 2 and "none.json: cannot read (No such file or directory)" in err


def test_a_directory_without_drawings(tmp_path, capsys, model):
    code, _, err = run(capsys, str(tmp_path), "--model", model)
    assert code == 2 and err.count("\n") == 1 and "no .json or .jsonl files in" in err


def test_missing_model(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, json.dumps(ONE_ZERO)),
                         "--model", str(tmp_path / "none.keras"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "model file not found" in err


def test_shipped_model_reads_one_zero(tmp_path, capsys):
    from recognizer.classifier import SHIPPED_MODEL

    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"{SHIPPED_MODEL} absent")
    code, out, _ = run(capsys, write(tmp_path, json.dumps(ONE_ZERO)), "--json")
    got = json.loads(out)
    assert code == 0 and got["text"] == "10"
    assert [d["strokes"] for d in got["digits"]] == [[0], [1]]


# ---- batch: many files, a directory, JSON Lines; one JSON line per drawing, in order ----

def lines_of(out):
    return [json.loads(line) for line in out.splitlines()]


def test_many_files_give_one_json_line_each_in_order(tmp_path, capsys, model):
    a = write(tmp_path, json.dumps({"strokes": ONE_ZERO}), "a.json")
    b = write(tmp_path, "not json", "b.json")
    c = write(tmp_path, json.dumps(ONE_ZERO[:1]), "c.json")
    code, out, err = run(capsys, c, a, b, "--model", model)
    rows = lines_of(out)
    assert [r["id"] for r in rows] == [c, a, b]
    assert rows[0]["text"].isdigit() and len(rows[1]["digits"]) == len(rows[1]["text"])
    assert rows[2]["error"].startswith(f"{b}: not valid JSON") and "text" not in rows[2]
    assert code == 1                                     # some failed
    assert "3 drawings, 1 failed" in err.splitlines()[-1]


def test_a_directory_reads_its_json_and_jsonl_files_sorted(tmp_path, capsys, model):
    write(tmp_path, json.dumps(ONE_ZERO), "2.json")
    write(tmp_path, json.dumps({"id": "x", "strokes": ONE_ZERO}) + "\n" + json.dumps(ONE_ZERO) + "\n",
          "1.jsonl")
    write(tmp_path, "ignored", "notes.txt")
    code, out, _ = run(capsys, str(tmp_path), "--model", model)
    assert code == 0
    assert [r["id"] for r in lines_of(out)] == ["x", f"{tmp_path / '1.jsonl'}:2",
                                                str(tmp_path / "2.json")]


def test_json_lines_on_stdin_keep_going_past_bad_drawings(capsys, monkeypatch, model):
    good = json.dumps({"id": "first", "strokes": ONE_ZERO})
    lines = [good, "{broken", json.dumps({"id": 7, "strokes": [[[0, "x"]]]}), "",
             json.dumps({"id": [1], "strokes": ONE_ZERO}), json.dumps(ONE_ZERO)]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode())))
    code, out, err = run(capsys, "-", "--lines", "--model", model)
    rows = lines_of(out)
    assert [r["id"] for r in rows] == ["first", 2, 7, 5, 6]
    assert "text" in rows[0] and "text" in rows[4]
    assert "not valid JSON" in rows[1]["error"]
    assert rows[2]["error"].startswith("invalid ink: stroke 0, point 0")
    assert "id must be" in rows[3]["error"]
    assert code == 1 and "5 drawings, 3 failed" in err


def test_batch_results_equal_single_reads(tmp_path, capsys, model):
    paths = [write(tmp_path, json.dumps(ONE_ZERO[i:]), f"{i}.json") for i in range(2)]
    code, out, _ = run(capsys, *paths, "--model", model)
    code_single = [main(["recognize", p, "--json", "--model", model]) for p in paths]
    singles = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    batch = [{k: v for k, v in r.items() if k != "id"} for r in lines_of(out)]
    assert code == 0 and code_single == [0, 0] and batch == singles


def test_two_jobs_give_the_same_lines_as_one(tmp_path, capsys, model):
    rng = __import__("numpy").random.default_rng(0)
    lines = [json.dumps({"id": i, "strokes": (rng.uniform(0, 100, (2, 8, 2))).tolist()})
             for i in range(150)]                                       # over two chunks
    path = write(tmp_path, "\n".join(lines) + "\n", "many.jsonl")
    _, one, _ = run(capsys, path, "--model", model)
    code, two, _ = run(capsys, path, "--model", model, "--jobs", "2")
    assert code == 0 and one == two and len(one.splitlines()) == 150


def test_no_tensorflow_noise_reaches_the_terminal(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, json.dumps(ONE_ZERO))
    done = subprocess.run([sys.executable, "-m", "inkdigits.cli", "recognize", path],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines()[0].isdigit()
    assert done.stderr == ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_readers_can_be_chosen_for_one_drawing_and_a_batch(tmp_path, capsys, model, jobs):
    from recognizer import NumberRecognizer, result_to_dict

    path = write(tmp_path, json.dumps(ONE_ZERO))
    shipped = result_to_dict(NumberRecognizer.load(model).recognize(ONE_ZERO))
    for flags, kwargs in ((["--sequence-model", "none"], {"sequence_model": False}),
                          (["--path-model", "none", "--sequence-model", "none"],
                           {"path_model": False, "sequence_model": False})):
        want = result_to_dict(NumberRecognizer.load(model, **kwargs).recognize(ONE_ZERO))
        assert want != shipped            # each reader leaves its mark (the score at least)
        code, out, _ = run(capsys, path, "--model", model, "--json", *flags)
        assert code == 0 and json.loads(out) == want
        code, out, _ = run(capsys, path, path, "--model", model, "--jobs", jobs, *flags)
        assert code == 0
        assert [{k: v for k, v in r.items() if k != "id"} for r in lines_of(out)] == [want] * 2
    code, _, err = run(capsys, path, "--model", model, "--sequence-model",
                       str(tmp_path / "missing.keras"))
    assert code == 2 and err.count("\n") == 1


def test_a_reader_that_goes_away_ends_it_quietly(tmp_path, model):
    # `inkdigits recognize ... | head -1`: no traceback when head has read its line
    import subprocess
    import sys

    from inkdigits.cli import EXIT_BROKEN_PIPE

    path = write(tmp_path, json.dumps(ONE_ZERO))
    proc = subprocess.run(f"{sys.executable} -m inkdigits.cli recognize {path} --model {model} "
                          "| head -c 0; "
                          "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash",
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert proc.returncode in (0, EXIT_BROKEN_PIPE)

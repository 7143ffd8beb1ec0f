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


def test_directory(tmp_path, capsys, model):
    code, _, err = run(capsys, str(tmp_path), "--model", model)
    assert code == 2 and err.count("\n") == 1 and "cannot read" in err


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

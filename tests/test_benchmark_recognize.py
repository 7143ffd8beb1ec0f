"""The recognize benchmark runs end to end on a tiny model and prints its table."""
import pytest

from benchmarks import recognize


@pytest.fixture(scope="module")
def data(pen_data_dir):
    return pen_data_dir


def test_recognize_benchmark_smoke(capsys, data, tiny_model_path):
    argv = ["--model", str(tiny_model_path), "--data", data, "--count", "3",
            "--repeat", "2"]
    assert recognize.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    names = [line[:24].strip() for line in out[3:10]]
    assert names == ["total", "validate + segmentation", "crop rendering", "CNN",
                     "pen-path reader", "sequence reader", "every call"]
    parts = [float(line.split()[-2]) for line in out[3:9]]
    assert all(p >= 0 for p in parts[1:])
    assert out[-1].startswith("target p50 <= 10 ms")


def test_recognize_benchmark_missing_model(tmp_path, capsys, data):
    assert recognize.main(["--model", str(tmp_path / "none.keras"), "--data", data]) == 2
    assert "model file not found" in capsys.readouterr().err


def test_timed_adds_up():
    t = recognize.Timed(lambda xs: len(xs))
    assert t([1, 2, 3]) == 3 and t([]) == 0
    assert (t.calls, t.items) == (2, 3) and t.seconds >= 0
    t.reset()
    assert (t.calls, t.items, t.seconds) == (0, 0, 0.0)


def test_render_ratio_times_both_ways_and_restores_the_helpers(capsys, data, tiny_model_path):
    import recognizer.normalize as normalize

    shipped = normalize.helpers
    argv = ["--model", str(tiny_model_path), "--data", data, "--count", "3", "--repeat", "2",
            "--render-ratio"]
    assert recognize.main(argv) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("side by side: p50 ") and "one thread" in line
    assert float(line.rsplit(" ", 1)[1]) > 0
    assert normalize.helpers is shipped


def test_seeds_give_each_table_then_the_median_of_their_p50s(capsys, data, tiny_model_path):
    argv = ["--model", str(tiny_model_path), "--data", data, "--count", "3", "--repeat", "2",
            "--seeds", "0-2"]
    assert recognize.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("seed ")] == ["seed 0:", "seed 1:", "seed 2:"]
    p50s = [float(line.split("(")[-1].split()[0]) for line in out
            if line.startswith("target p50 <= 10 ms: ")]
    summary = out[-2]
    assert summary.startswith("p50 over seeds 0, 1, 2: ")
    listed = [float(v) for v in summary.split(": ")[1].split(" ms")[0].split(", ")]
    assert listed == pytest.approx(p50s, abs=0.006)
    assert f"median {sorted(listed)[1]:.2f}" in summary
    assert out[-1].startswith("target p50 <= 10 ms, median over seeds: ")

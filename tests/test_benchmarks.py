"""The classify and runtime benchmarks run end to end and print their tables."""
from benchmarks import classify


def test_classify_benchmark_smoke(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(11, activation="softmax")])
    model.save(tmp_path / "tiny.keras")
    assert classify.main(["--model", str(tmp_path / "tiny.keras"), "--repeat", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["N", "classify", "ms", "predict", "ms", "speed-up"]
    assert [line.split()[0] for line in out[2:5]] == ["1", "6", "64"]
    assert out[5].startswith("target >= 10x at N=6")


def test_classify_benchmark_missing_model(tmp_path, capsys):
    assert classify.main(["--model", str(tmp_path / "none.keras")]) == 2
    assert "model file not found" in capsys.readouterr().err


def test_runtime_benchmark_smoke(capsys, pen_data_dir):
    """Both runtimes side by side, at the smallest sizes: every section prints a figure."""
    from benchmarks import runtime

    argv = ["--data", pen_data_dir, "--count", "1", "--starts", "1", "--latency-count", "2",
            "--latency-seeds", "0,1"]
    assert runtime.main(argv) == 0
    out = capsys.readouterr().out
    for line in ("  keras  library", "  lite   library", "web app worker peak RSS, lite",
                 "6-digit recognize p50, seed 0:", "6-digit recognize p50, seed 1:",
                 "  of which one digit-CNN call", "keras/lite over 2 seeds: median x",
                 "parity on "):
        assert line in out, out
    assert " 0 texts differ" in out

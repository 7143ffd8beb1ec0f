"""The classify benchmark runs end to end on a tiny model and prints its table."""
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

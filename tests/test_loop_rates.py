"""The loop evidence of segmentation is measured on the training writers' pen digits."""
import numpy as np

from segmentation.grouping import LOOP_RATES
from training.loop_rates import loop_rates, main
from training.pendigits import load_pendigits, split_writers


def test_loop_rates_in_the_code_are_the_measured_ones(pen_data_dir, capsys):
    train, _ = split_writers(load_pendigits(pen_data_dir))
    rates = loop_rates(train)
    assert np.allclose(rates, LOOP_RATES, atol=0.0005)
    assert rates[9] > 20 * rates[7]          # what makes the evidence worth having
    main(["--data", pen_data_dir])
    assert "LOOP_RATES = (" + ", ".join(f"{r:.3f}" for r in LOOP_RATES) + ")" in capsys.readouterr().out

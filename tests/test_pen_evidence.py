"""The pen-path evidence of segmentation is measured on the training writers' pen digits."""
import numpy as np
import pytest

import segmentation.grouping as grouping
from training.pen_evidence import FEATURES, feature_rates, main
from training.pendigits import load_pendigits, split_writers


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_rates_in_the_code_are_the_measured_ones(pen_data_dir, name):
    train, _ = split_writers(load_pendigits(pen_data_dir))
    assert np.allclose(feature_rates(train, FEATURES[name]), getattr(grouping, name), atol=0.0005)


def test_the_evidence_tells_sevens_from_nines_and_ones():
    loop, rise = np.array(grouping.LOOP_RATES), np.array(grouping.RISE_RATES)
    left = np.array(grouping.LEFT_RATES)
    assert loop[9] > 20 * loop[7] and rise[1] > 20 * rise[7] and left[9] > 20 * left[7]
    assert all(0 < r < 1 for r in np.concatenate([loop, rise, left]))   # evidence, no veto


def test_the_command_prints_the_tables(pen_data_dir, capsys):
    main(["--data", pen_data_dir])
    out = capsys.readouterr().out
    for name in FEATURES:
        rates = getattr(grouping, name)
        assert f"{name} = (" + ", ".join(f"{r:.3f}" for r in rates) + ")" in out

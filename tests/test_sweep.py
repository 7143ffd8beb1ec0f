"""``--set`` sweeps: settings parsed, typed by the config's defaults, every combination."""
from dataclasses import dataclass

import pytest

from training.sweep import MAX_COMBINATIONS, SweepError, configs, parse_setting, recognizers


@dataclass(frozen=True)
class Config:
    overlap_weight: float = 4.0
    beam: int = 8
    split_loops: bool = True


def test_parse_setting():
    assert parse_setting("OVERLAP_WEIGHT=2, 4,8") == ("overlap_weight", ["2", "4", "8"])


@pytest.mark.parametrize("text", ["overlap_weight", "=2", "overlap_weight=", "x=,"])
def test_bad_settings_are_named(text):
    with pytest.raises(SweepError, match="NAME=v1,v2"):
        parse_setting(text)


def test_every_combination_typed_by_the_defaults():
    got = configs([("overlap_weight", ["2", "8"]), ("beam", ["4", "16"])], Config)
    assert [label for label, _ in got] == [
        "overlap_weight=2.0 beam=4", "overlap_weight=2.0 beam=16",
        "overlap_weight=8.0 beam=4", "overlap_weight=8.0 beam=16"]
    assert got[3][1] == Config(overlap_weight=8.0, beam=16, split_loops=True)
    assert configs([("split_loops", ["false"])], Config)[0][1].split_loops is False


@pytest.mark.parametrize("setting, message", [
    (("doubt", ["1"]), "no field 'doubt'; fields: beam, overlap_weight, split_loops"),
    (("beam", ["2.5"]), "'2.5' is not an integer"),
    (("split_loops", ["maybe"]), "'maybe' is not true or false"),
])
def test_wrong_fields_and_values_are_named(setting, message):
    with pytest.raises(SweepError, match=message):
        configs([setting], Config)


def test_too_many_combinations():
    values = [str(v) for v in range(MAX_COMBINATIONS + 1)]
    with pytest.raises(SweepError, match="combinations"):
        configs([("beam", values)], Config)


def test_one_recognizer_per_combination():
    made = recognizers([("beam", ["1", "2"])], lambda config=None: ("rec", config), Config)
    assert made == [("beam=1", ("rec", Config(beam=1))), ("beam=2", ("rec", Config(beam=2)))]
    assert recognizers(None, lambda config=None: ("rec", config), Config) == [
        (None, ("rec", None))]

"""Writer splits: by writer, deterministic, disjoint, stable as data is added, spread out."""
import hashlib
from collections import defaultdict

import numpy as np
import pytest

from training.pendigits import PenDigit, load_pendigits
from training.splits import (LEGACY_TRAINED, PINNED, SALT, SPLITS, select, split_of,
                             trained_writers, unit, writer_id, writers_in)

INK = (np.zeros((2, 3)),)


def fake(writers):
    return [PenDigit(INK, k % 10, w) for w in writers for k in range(3)]


def test_the_hash_is_sha256_of_salt_and_id():
    for wid in ("pendigits:7", "apple:Fern_Anderson", "uqb:pe_3828"):
        ref = int(hashlib.sha256(f"{SALT}{wid}".encode()).hexdigest()[:16], 16) / 2 ** 64
        assert unit(wid) == ref and 0.0 <= ref < 1.0


def test_writer_ids_name_the_source():
    assert writer_id(7) == writer_id(np.int64(7)) == "pendigits:7"
    assert writer_id("val:val02") == "val:val02"


def test_the_former_held_out_writers_are_dev_never_test():
    assert {split_of(w) for w in range(26, 31)} == {"dev"}


def test_the_pendigits_assignment_is_fixed():
    got = defaultdict(set)
    for w in range(1, 31):
        got[split_of(w)].add(w)
    assert got["test"] == {3, 9, 11, 18}               # changing SALT would move them
    assert got["dev"] == {26, 27, 28, 29, 30}
    assert got["train"] == set(range(1, 26)) - got["test"]


def test_deterministic_and_by_writer_never_by_sample():
    writers = [f"inst:w{i}" for i in range(300)] + list(range(1, 31))
    digits = fake(writers)
    parts = {s: select(digits, s) for s in SPLITS}
    assert sum(map(len, parts.values())) == len(digits)
    seen = {s: {writer_id(d.writer) for d in ds} for s, ds in parts.items()}
    assert not (seen["train"] & seen["dev"] or seen["train"] & seen["test"]
                or seen["dev"] & seen["test"])
    assert select(digits, "test") == parts["test"]      # the same call, the same answer
    shares = {s: len(seen[s]) / len(writers) for s in SPLITS}
    assert 0.13 < shares["test"] < 0.27 and 0.13 < shares["dev"] < 0.27


def test_adding_writers_and_digits_moves_no_writer():
    before = fake([f"inst:w{i}" for i in range(100)] + [1, 2, 3])
    after = fake([f"new:w{i}" for i in range(500)]) + before + fake(["inst:w5", 4])
    known = {writer_id(d.writer) for d in before}
    for s in SPLITS:
        assert {w for w in writers_in(after, s) if w in known} == set(writers_in(before, s))


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="'holdout'"):
        select([], "holdout")


def test_model_cards_say_which_writers_trained_them():
    assert trained_writers({"train_writers": ["pendigits:1", "val:val01"]}) == {
        "pendigits:1", "val:val01"}
    assert trained_writers({"train": {"writers": [1, 2]}}) == {"pendigits:1", "pendigits:2"}
    legacy = {"command": "inkdigits train --epochs 18", "config": {"no_pen": False}}
    assert trained_writers(legacy) == LEGACY_TRAINED == {f"pendigits:{w}" for w in range(1, 26)}
    assert trained_writers({"command": "inkdigits train", "config": {"no_pen": True}}) is None
    assert trained_writers({}) is None


@pytest.fixture(scope="module")
def unipen(data_dir):
    from training.unipen import load_unipen

    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"unipen data absent in {data_dir}")
    return load_unipen(data_dir, log=False)


def test_unipen_test_writers_span_contributors_and_tablets(unipen):
    writers = defaultdict(set)
    for d in unipen:
        writers[d.contributor, d.device].add(d.writer)
    for (contributor, device), ws in writers.items():
        if len(ws) >= 2:
            assert {split_of(w) for w in ws} >= {"test", "train"}, contributor
        if len(ws) >= 3:
            assert "dev" in {split_of(w) for w in ws}, contributor
    tablets = {d.device for d in unipen if split_of(d.writer) == "test"}
    assert len(tablets) == 8
    assert all(w in {d.writer for d in unipen} for w in PINNED)   # no pin is a typo


def test_real_splits_are_writer_disjoint(unipen, pen_data_dir):
    digits = unipen + load_pendigits(pen_data_dir)
    seen = [set(writers_in(digits, s)) for s in SPLITS]
    assert sum(map(len, seen)) == len({writer_id(d.writer) for d in digits}) == 253


def test_the_shipped_cards_name_the_writers_that_trained_them():
    import json
    from pathlib import Path

    models = Path(__file__).resolve().parents[1] / "recognizer" / "models"
    for name in ("model_card.json", "pen_path_card.json"):
        card = json.loads((models / name).read_text())
        writers = trained_writers(card)
        assert writers and {split_of(w) for w in writers} == {"train"}, name
        assert {w.split(":")[0] for w in writers} > {"pendigits"}, name   # and UNIPEN's

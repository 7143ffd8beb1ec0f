"""Which pen writers train the models, which choose (``dev``), which only report (``test``).

Written down once, here; every trainer and evaluator asks this module. A writer's split
depends on the writer alone, never on a sample: a stable hash of its id (sha256 of
``SALT`` + id, read as a number in [0, 1)) against fixed shares, so that adding data,
new writers or a new source never moves a writer that is already assigned.

* ``dev`` is where choices are made: constants, recipes, thresholds, model variants.
* ``test`` is read only to report, at most once per shipped model, and its figure is
  what the model card and the README state. No constant, recipe or threshold may be
  chosen by looking at ``test``; a change made after reading it needs new test writers.
* ``train`` writers are the only pen writers the models learn from.

pendigits writers 26-30 were the "held-out" writers before this module: constants and
recipes were tuned on them (seeds 0-3), so they are ``dev``, never ``test``. Writers
1-25 are hashed into ``test`` (``TEST_SHARE``) or ``train``: dev has enough pendigits
writers. The models shipped before this module trained on pendigits writers 1-25, so
pendigits ``test`` figures are valid only for models retrained without those writers
(``trained_writers`` reads a model card's list; the model cards record it).

UNIPEN writers are hashed into ``test`` (``TEST_SHARE``), ``dev`` (``DEV_SHARE``) or
``train``. A share of writers, not of digits: writers are very unequal (1-750 digits).
Since a hash can leave a small institution without a test writer, ``PINNED`` moves,
for each contributor (institution) with at least two writers and no test writer, its train writer of
lowest hash to ``test``, and for each with at least three and no dev writer, one to
``dev``. Then ``test`` spans all 11 contributors with two writers or more and their 8
tablets (only UCL's one writer, on a ninth tablet, is not in it). The pins were chosen from
the assignment alone, before any figure was read.
"""
import hashlib

SALT = "inkdigits-writer-split-v1:"
TEST_SHARE = 0.2
DEV_SHARE = 0.2
SPLITS = ("train", "dev", "test")
PENDIGITS_DEV = frozenset(range(26, 31))
LEGACY_TRAINED = frozenset(f"pendigits:{w}" for w in range(1, 26))  # shipped before the split
PINNED = {
    "val:val02": "test",      # Valladolid: both writers hashed to train
    "cedar:ra3198": "test",   # CEDAR's SD-311E writers (contributor cea): none in test
    "uqb:re_3828": "dev",     # Québec (slashed zeros): none in dev
}


def writer_id(writer):
    """The writer's id across sources: ``pendigits:<n>`` for pendigits' integer writers,
    UNIPEN's ``institution:name`` as it is."""
    if isinstance(writer, str):
        return writer
    return f"pendigits:{int(writer)}"


def unit(wid):
    """The writer id's stable hash as a number in [0, 1)."""
    h = hashlib.sha256((SALT + wid).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2.0 ** 64


def split_of(writer):
    """``"train"``, ``"dev"`` or ``"test"`` for a writer (a pendigits int or a UNIPEN id)."""
    wid = writer_id(writer)
    if wid in PINNED:
        return PINNED[wid]
    u = unit(wid)
    if wid.startswith("pendigits:"):
        if int(wid.split(":", 1)[1]) in PENDIGITS_DEV:
            return "dev"
        return "test" if u < TEST_SHARE else "train"
    if u < TEST_SHARE:
        return "test"
    return "dev" if u < TEST_SHARE + DEV_SHARE else "train"


def select(digits, split):
    """The PenDigits whose writers are in ``split``, in their order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    return [d for d in digits if split_of(d.writer) == split]


def writers_in(digits, split):
    """Sorted writer ids of ``split`` among the writers of ``digits``."""
    return sorted({writer_id(d.writer) for d in digits if split_of(d.writer) == split})


def trained_writers(card):
    """The writer ids a model card says trained the model, or None when it cannot tell.

    Cards written before this module (no ``train_writers``) that used pen digits trained
    on pendigits writers 1-25 (``LEGACY_TRAINED``).
    """
    if card.get("train_writers") is not None:
        return frozenset(card["train_writers"])
    if "train" in card and "writers" in card["train"]:      # the pen-path reader's card
        return frozenset(writer_id(w) for w in card["train"]["writers"])
    config = card.get("config", {})
    if card.get("command", "").startswith("inkdigits train") and not config.get("no_pen"):
        return LEGACY_TRAINED
    return None

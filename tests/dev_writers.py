"""A dev writer's own ink, taught as ``inkdigits evaluate-adapt --split dev`` teaches it:
for regression cases of the profile built from real hands (never a test writer's)."""
import dataclasses

import pytest

from training.splits import split_of, writer_id


def unipen_writer(data_dir, writer):
    """The UNIPEN digits of dev ``writer``, or a skip when the data is absent."""
    if not (data_dir / "unipen").is_dir():
        pytest.skip(f"UNIPEN data absent in {data_dir}")
    from training.compose import load_digits

    assert split_of(writer) == "dev"                 # never a test writer
    return [d for d in load_digits(str(data_dir), "unipen") if writer_id(d.writer) == writer]


def taught(rec, digits, seed, corrections=10):
    """(profile, corrections made, the writer's test numbers {layout: [Composed]}): the
    protocol of ``training.evaluate_adapt`` with ``seed``, 100 test numbers per layout."""
    from recognizer import Profile
    from training.evaluate_adapt import numbers, split_by_order, teach

    teach_bank, test_bank = split_by_order(digits)
    lessons = numbers(teach_bank, digits[0].writer, 300, seed)
    snapshots, made, _ = teach(rec, Profile, [s for pair in zip(*lessons.values())
                                              for s in pair], corrections)
    return (Profile.from_bytes(snapshots[made]), made,
            numbers(test_bank, digits[0].writer, 100, seed + 1))


def with_adapt(rec, **changes):
    """A recognizer sharing ``rec``'s models, with some ``AdaptConfig`` fields changed."""
    from recognizer import NumberRecognizer

    return NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                            adapt=dataclasses.replace(rec.adapt, **changes), config=rec.config,
                            sequence_model=rec.sequence_model,
                            sequence_reader=rec._sequence_reader)


def harmed(numbers, profile, **recognizers):
    """For each named recognizer: how many of ``numbers`` (Composed) it reads right
    without ``profile`` and wrong with it."""
    out = dict.fromkeys(recognizers, 0)
    for s in numbers:
        for name, rec in recognizers.items():
            if rec.recognize(s.strokes).text == s.text:
                out[name] += rec.recognize(s.strokes, profile=profile).text != s.text
    return out

"""``evaluate-ink --set NAME=v1,v2``: one recognizer per setting of segmentation constants.

A setting names fields of ``segmentation.SegmentConfig`` (lower case, as the constants
they replace); repeated ``--set`` options sweep every combination of their values. Values
take the type of the field's default (int, float or bool).
"""
import dataclasses
import itertools

MAX_COMBINATIONS = 64     # each one reads every scenario, source and seed again


class SweepError(ValueError):
    """A ``--set`` option names no field of SegmentConfig or gives a value of the wrong kind."""


def parse_setting(text):
    """``"overlap_weight=2,4,8"`` -> ``("overlap_weight", ["2", "4", "8"])``."""
    name, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not name.strip() or not items:
        raise SweepError(f"--set wants NAME=v1,v2,..., got {text!r}")
    return name.strip().lower(), items


def convert(value, default):
    """``value`` (text) as the type of ``default``; SweepError when it is not one."""
    if not isinstance(default, (bool, int, float)):
        raise SweepError(f"--set takes numbers and true/false, not a {type(default).__name__}")
    try:
        if isinstance(default, bool):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "1")
        if isinstance(default, int):
            return int(value)
        return float(value)
    except ValueError:
        kind = {bool: "true or false", int: "an integer"}.get(type(default), "a number")
        raise SweepError(f"{value!r} is not {kind}") from None


def configs(settings, config_class=None):
    """``[(label, config)]``, one per combination of the ``settings`` ``[(name, [text])]``."""
    if config_class is None:
        try:
            from segmentation import SegmentConfig as config_class
        except ImportError:
            raise SweepError("this checkout has no segmentation.SegmentConfig to --set") from None
    base = config_class()
    fields = {f.name for f in dataclasses.fields(base)}
    axes = []
    for name, values in settings:
        if name not in fields:
            raise SweepError(f"SegmentConfig has no field {name!r}; fields: "
                             f"{', '.join(sorted(fields))}")
        default = getattr(base, name)
        axes.append([(name, convert(v, default)) for v in values])
    combos = list(itertools.product(*axes))
    if len(combos) > MAX_COMBINATIONS:
        raise SweepError(f"{len(combos)} combinations; at most {MAX_COMBINATIONS}")
    return [(" ".join(f"{n}={v}" for n, v in combo), dataclasses.replace(base, **dict(combo)))
            for combo in combos]


def recognizers(settings, make, config_class=None):
    """``[(label, recognizer)]``: ``make()`` alone without settings (label None), else
    ``make(config)`` for each combination."""
    if not settings:
        return [(None, make())]
    return [(label, make(config)) for label, config in configs(settings, config_class)]

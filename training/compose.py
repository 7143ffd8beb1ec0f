"""Numbers composed from real pen trajectories: the test material for reading numbers.

Each number is written by ONE pen writer (pendigits or UNIPEN), digit by digit in reading order: every
digit is scaled to a common height (±10 %, as a hand varies), slanted with the number,
set on a slightly jittered baseline and spaced as the scenario asks; time stamps run on
with a pen-up pause of 100-400 ms between strokes. Seeded and deterministic: the same
seed, scenario and data give the same drawings. Scenarios:

* ``single``  one digit;
* ``clean``   2-6 digits with clear gaps between their boxes;
* ``tight``   2-6 slanted digits whose boxes overlap or touch (kerned by their ink), some
  neighbours written in one stroke without lifting the pen where that is natural;
* ``delayed`` 2-6 digits, one stroke of a multi-stroke digit (the bar of a 5 or 7, the
  second stroke of a 4) drawn only after the following digit(s);
* ``long``    8-12 digits;
* ``mixed``   2-6 digits of different sizes, the drawing at ×0.5-2 and in high-DPI
  coordinates (×2-3, offset by thousands).

Only ``dev`` writers (``training.splits``) are used unless a caller asks for another split
or passes other digits.
Drawings follow the ink format of ``segmentation``: (N, 3) float arrays x, y (y down), t ms.
"""
from dataclasses import dataclass

import numpy as np

from training.pendigits import load_pendigits
from training.splits import select

PEN_UP_MS = (100.0, 400.0)   # pause between strokes
HEIGHT_PX = (40.0, 120.0)    # digit height of a number on a canvas, log-uniform
HEIGHT_JITTER = 0.10         # each digit's height varies by up to this share
BASELINE_JITTER = 0.03       # standard deviation of a digit's vertical shift, in heights
PREFERRED_DELAYED = (4, 5, 7)  # digits whose late stroke is the classic case
KERN_REACH = 0.2             # "ink" gaps hold for ink within this many heights up or down


@dataclass(frozen=True)
class Scenario:
    """How one kind of number is written; lengths are in digit heights, angles in degrees."""

    digits: tuple                   # (min, max) digits per number
    gap: tuple                      # (min, max) space between neighbours
    gap_kind: str = "box"           # "box": between bounding boxes, "ink": nearest ink
    slant: tuple = (-6.0, 10.0)     # shear of the number; leaning right is positive
    drift: float = 1.5              # the line's rotation, at most this much either way
    number_scale: tuple = (1.0, 1.0)  # size of the whole number, log-uniform
    digit_scale: tuple = (1.0, 1.0)   # extra size factor of each digit, log-uniform
    dpi: tuple = (1.0, 1.0)         # coordinate factor of the whole drawing
    offset: tuple = (10.0, 300.0)   # where the drawing starts on the canvas (x and y)
    join: float = 0.0               # share of numbers with neighbours in one stroke
    delay: bool = False             # one stroke of a multi-stroke digit drawn late


SCENARIOS = {
    "single": Scenario(digits=(1, 1), gap=(0.3, 0.5), slant=(-8.0, 12.0)),
    "clean": Scenario(digits=(2, 6), gap=(0.15, 0.5)),
    "tight": Scenario(digits=(2, 6), gap=(-0.02, 0.08), gap_kind="ink",
                      slant=(-5.0, 25.0), join=0.3),
    "delayed": Scenario(digits=(2, 6), gap=(0.1, 0.45), delay=True),
    "long": Scenario(digits=(8, 12), gap=(0.08, 0.4), slant=(-6.0, 12.0)),
    "mixed": Scenario(digits=(2, 6), gap=(0.15, 0.5), number_scale=(0.5, 2.0),
                      digit_scale=(0.7, 1.4), dpi=(2.0, 3.0), offset=(1000.0, 5000.0)),
}


@dataclass(frozen=True)
class Composed:
    """One composed drawing and its truth."""

    strokes: list        # (N, 3) float64 arrays x, y (y down), t ms, in pen order
    text: str            # the number written
    scenario: str
    writer: object       # the PenDigit's writer: a pendigits int or a UNIPEN id
    digit_strokes: list  # per digit of ``text``, its stroke indices (a joined stroke is in two)


SOURCES = ("pendigits", "unipen")


def load_digits(data=None, source="pendigits"):
    """All PenDigits of one source: ``"pendigits"`` or ``"unipen"``."""
    if source == "pendigits":
        return load_pendigits(data)
    if source == "unipen":
        from training.unipen import load_unipen

        return load_unipen(data)
    raise ValueError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")


def load_bank(data=None, source="pendigits", split="dev"):
    """Pen digits of the ``split`` writers of ``source`` as ``{writer: {label: [PenDigit]}}``."""
    return bank_from_digits(select(load_digits(data, source), split))


def bank_from_digits(digits):
    """Index PenDigits as ``{writer: {label: [PenDigit, ...]}}``."""
    bank = {}
    for d in digits:
        bank.setdefault(d.writer, {}).setdefault(d.label, []).append(d)
    return bank


def generate(scenario, count, seed=0, bank=None, data=None, n_digits=None):
    """``count`` composed numbers of ``scenario``; the same arguments give the same drawings.

    Each scenario draws from its own random stream, so the numbers of one scenario do not
    depend on which others are generated. ``n_digits`` fixes the length (e.g. 6 for speed).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    bank = load_bank(data) if bank is None else bank
    rng = np.random.default_rng([seed, list(SCENARIOS).index(scenario)])
    return [compose(bank, scenario, rng, n_digits) for _ in range(count)]


def compose(bank, scenario, rng, n_digits=None):
    """One number of ``scenario`` written by one writer of ``bank``, drawn with ``rng``."""
    sc = SCENARIOS[scenario]
    writers = sorted(bank)          # the same stream as rng.choice(writers), for any id type
    writer = writers[int(rng.integers(len(writers)))]
    mine = bank[writer]
    n = n_digits or int(rng.integers(sc.digits[0], sc.digits[1] + 1))
    have = sorted(mine)             # all ten for pendigits writers, not for all UNIPEN ones
    labels = [int(have[k]) for k in rng.integers(0, len(have), n)]
    late = _pick_delayed(mine, labels, rng) if sc.delay and n > 1 else None
    samples = [_sample(mine[lab], rng, multi=(i == late)) for i, lab in enumerate(labels)]
    digits = _layout(samples, sc, rng)
    order = [(i, k) for i, d in enumerate(digits) for k in range(len(d))]
    if late is not None:
        order = _delay(order, late, len(digits[late]) - 1, int(rng.integers(late + 1, n)))
    pieces = [[(i, k)] for i, k in order]
    if sc.join and rng.random() < sc.join and late is None:
        pieces = _join(pieces, digits, rng)
    strokes, owners = _assemble(pieces, digits, sc, rng)
    groups = [[j for j, own in enumerate(owners) if i in own] for i in range(n)]
    return Composed(strokes, "".join(map(str, labels)), scenario, writer, groups)


def _pick_delayed(mine, labels, rng):
    """Make one digit before the last a multi-stroke one; return its index."""
    multi = [lab for lab, ds in sorted(mine.items()) if any(len(d.strokes) > 1 for d in ds)]
    if not multi:
        return None
    preferred = [lab for lab in multi if lab in PREFERRED_DELAYED] or multi
    i = int(rng.integers(0, len(labels) - 1))
    labels[i] = int(rng.choice(preferred))
    return i


def _sample(choices, rng, multi=False):
    """One writer's sample of a digit as (N, 3) strokes with time relative to each stroke."""
    if multi:
        choices = [d for d in choices if len(d.strokes) > 1]
    d = choices[int(rng.integers(len(choices)))]
    return [np.column_stack([s[:, :2], s[:, 2] - s[0, 2]]) for s in d.strokes]


def _layout(samples, sc, rng):
    """Scale, slant and place each digit left to right; (N, 3) strokes per digit."""
    height = np.exp(rng.uniform(*np.log(HEIGHT_PX))) * np.exp(rng.uniform(*np.log(sc.number_scale)))
    shear = np.tan(np.radians(rng.uniform(*sc.slant)))
    placed, ink = [], np.zeros((0, 2))
    for strokes in samples:
        h = height * np.exp(rng.uniform(*np.log(sc.digit_scale)))
        h *= 1.0 + rng.uniform(-HEIGHT_JITTER, HEIGHT_JITTER)
        digit = _shape(strokes, h, shear, rng.normal(0.0, BASELINE_JITTER) * height)
        pts = np.concatenate([_dense(s[:, :2], h / 40) for s in digit])
        gap = rng.uniform(*sc.gap) * height
        dx = _shift(ink, pts, gap, sc.gap_kind, height) if len(ink) else 0.0
        digit = [s + [dx, 0.0, 0.0] for s in digit]
        ink = np.concatenate([ink, pts + [dx, 0.0]])
        placed.append(digit)
    return _to_canvas(placed, sc, rng)


def _shape(strokes, height, shear, dy):
    """One digit at ``height`` with its bottom on y = dy and its left edge at x = 0."""
    xy = np.concatenate([s[:, :2] for s in strokes])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    scale = height / max(hi[1] - lo[1], 0.5 * (hi[0] - lo[0]), 1e-9)
    out = []
    for s in strokes:
        x = (s[:, 0] - lo[0]) * scale
        y = (s[:, 1] - hi[1]) * scale     # 0 at the bottom, negative upwards
        out.append(np.column_stack([x - y * shear, y + dy, s[:, 2]]))
    left = min(s[:, 0].min() for s in out)
    return [s - [left, 0.0, 0.0] for s in out]


def _dense(xy, step):
    """Points every ``step`` along a polyline (M, 2), endpoints included."""
    seg = np.hypot(*np.diff(xy, axis=0).T)
    if len(xy) < 2 or seg.sum() == 0:
        return xy[:1].copy()
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, arc[-1], max(2, int(arc[-1] / step) + 1))
    return np.column_stack([np.interp(at, arc, xy[:, 0]), np.interp(at, arc, xy[:, 1])])


def _shift(ink, pts, gap, kind, height):
    """x shift putting ``pts`` ``gap`` to the right of ``ink`` (by boxes or by nearest ink)."""
    box = ink[:, 0].max() + gap - pts[:, 0].min()
    if kind == "box":
        return box
    # Rows this thick are compared, each with the rows up to KERN_REACH above and below, so
    # that a bar cannot slide in under a neighbour's bar: like a hand, not like a font.
    band = height / 20
    reach = int(round(KERN_REACH * 20))
    rows_ink = np.floor(ink[:, 1] / band).astype(int)
    rows_new = np.floor(pts[:, 1] / band).astype(int)
    need = -np.inf
    for r in np.unique(rows_new):
        near = np.abs(rows_ink - r) <= reach
        if near.any():
            need = max(need, ink[near, 0].max() + gap - pts[rows_new == r, 0].min())
    return need if np.isfinite(need) else box


def _to_canvas(placed, sc, rng):
    """Rotate the line slightly, scale to the device's coordinates and offset it."""
    angle = np.radians(rng.uniform(-sc.drift, sc.drift))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dpi = rng.uniform(*sc.dpi)
    top = min(s[:, 1].min() for d in placed for s in d)
    origin = rng.uniform(*sc.offset, size=2)
    out = []
    for digit in placed:
        strokes = []
        for s in digit:
            xy = (s[:, :2] - [0.0, top]) @ rot.T * dpi + origin
            strokes.append(np.column_stack([xy, s[:, 2]]))
        out.append(strokes)
    return out


def _delay(order, digit, stroke, after):
    """Move stroke ``stroke`` of ``digit`` to right after the last stroke of digit ``after``."""
    rest = [o for o in order if o != (digit, stroke)]
    at = max(j for j, (i, _) in enumerate(rest) if i == after) + 1
    return rest[:at] + [(digit, stroke)] + rest[at:]


def _join(pieces, digits, rng):
    """Write some neighbours in one stroke: a digit's last stroke runs on into the next's first.

    Joins only where the pen would naturally travel on: rightwards and no further than
    about one digit height (as in "00" or "11"); at least one join if any pair qualifies.
    """
    ok = [j for j in range(len(pieces) - 1)
          if pieces[j][-1][0] + 1 == pieces[j + 1][0][0] and pieces[j + 1][0][1] == 0
          and pieces[j][-1][1] == len(digits[pieces[j][-1][0]]) - 1
          and _natural(digits, pieces[j][-1], pieces[j + 1][0])]
    chosen = {j for j in ok if rng.random() < 0.5}
    if ok and not chosen:
        chosen = {ok[int(rng.integers(len(ok)))]}
    out = []
    for j, piece in enumerate(pieces):
        if j - 1 in chosen:
            out[-1] = out[-1] + piece
        else:
            out.append(list(piece))
    return out


def _natural(digits, a, b):
    """True when the pen can run on from the end of stroke ``a`` to the start of ``b``.

    As a hand joins "00" or "11": rightwards, at most about a digit height, and without
    the ligature crossing the ink of either digit.
    """
    end, start = digits[a[0]][a[1]][-1, :2], digits[b[0]][b[1]][0, :2]
    h = np.ptp(np.concatenate(digits[a[0]])[:, 1])
    d = start - end
    if d[0] < 0.0 or np.hypot(*d) > 1.25 * h:
        return False
    link = _dense(np.stack([end, start]), h / 50)
    link = link[(np.hypot(*(link - end).T) > 0.15 * h) & (np.hypot(*(link - start).T) > 0.15 * h)]
    ink = np.concatenate([_dense(s[:, :2], h / 50) for s in digits[a[0]] + digits[b[0]]])
    return all(np.hypot(*(ink - p).T).min() > 0.06 * h for p in link)


def _spacing(stroke):
    """The stroke's typical point spacing: the median step, or the mean of the non-zero
    steps where most are zero (a 60 Hz tablet repeats points when the pen is slow)."""
    steps = np.hypot(*np.diff(stroke[:, :2], axis=0).T)
    if len(steps) == 0 or not steps.any():
        return 1.0
    step = float(np.median(steps))
    return step if step > 0 else float(steps[steps > 0].mean())


def _assemble(pieces, digits, sc, rng):
    """Strokes in pen order with running time stamps; the digits each stroke belongs to."""
    clock = rng.uniform(0.0, 2000.0)
    strokes, owners = [], []
    for piece in pieces:
        parts = [digits[i][k] for i, k in piece]
        xy = [parts[0][:, :2]]
        dt = [parts[0][:, 2]]
        for prev, nxt in zip(parts, parts[1:]):
            # the ligature: points along the pen's path at about the stroke's own spacing
            link = _dense(np.stack([prev[-1, :2], nxt[0, :2]]), _spacing(prev))[1:-1]
            t_link = dt[-1][-1] + 10.0 * np.arange(1, len(link) + 1)
            xy += [link, nxt[:, :2]]
            dt += [t_link, (t_link[-1] if len(link) else dt[-1][-1]) + 10.0 + nxt[:, 2]]
        t = clock + np.concatenate(dt)
        strokes.append(np.column_stack([np.concatenate(xy), t]))
        owners.append({i for i, _ in piece})
        clock = t[-1] + rng.uniform(*PEN_UP_MS)
    return strokes, owners

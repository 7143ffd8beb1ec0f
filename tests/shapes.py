"""Hand-made pen digits for tests: strokes as (N, 3) arrays, in a 60 x 100 px cell.

Each function returns the strokes of one digit with its top-left corner at (x, y) and
height ``h``; ``number`` lays digits out left to right like a person writing.
"""
import numpy as np


def _line(*pts, n=12):
    pts = np.asarray(pts, float)
    seg = [np.linspace(a, b, n, endpoint=False) for a, b in zip(pts[:-1], pts[1:])]
    return np.vstack(seg + [pts[-1:]])


def _arc(cx, cy, rx, ry, a0, a1, n=30):
    a = np.deg2rad(np.linspace(a0, a1, n))
    return np.c_[cx + rx * np.cos(a), cy + ry * np.sin(a)]


SHAPES = {  # unit cell: x in [0, 0.6], y in [0, 1] (y down)
    "0": lambda: [_arc(0.3, 0.5, 0.28, 0.5, -90, 270, 40)],
    "1": lambda: [_line((0.32, 0.0), (0.3, 1.0), n=20)],
    "2": lambda: [np.vstack([_arc(0.3, 0.28, 0.27, 0.27, 200, 380, 20),
                             _line((0.55, 0.35), (0.02, 1.0), (0.6, 1.0))])],
    "3": lambda: [np.vstack([_arc(0.28, 0.25, 0.26, 0.25, 200, 450, 24),
                             _arc(0.28, 0.74, 0.3, 0.26, -90, 160, 24)])],
    "4": lambda: [_line((0.4, 0.0), (0.02, 0.65), (0.6, 0.65)),
                  _line((0.45, 0.25), (0.45, 1.0), n=16)],
    "5": lambda: [np.vstack([_line((0.12, 0.0), (0.08, 0.45), n=6),
                             _arc(0.3, 0.68, 0.28, 0.3, -120, 150, 26)]),
                  _line((0.12, 0.0), (0.58, 0.0), n=8)],
    "6": lambda: [np.vstack([_line((0.5, 0.0), (0.08, 0.62), n=10),
                             _arc(0.32, 0.72, 0.26, 0.27, 180, 540, 30)])],
    "7": lambda: [_line((0.0, 0.0), (0.6, 0.0), (0.2, 1.0))],
    "8": lambda: [np.vstack([_arc(0.3, 0.25, 0.22, 0.24, 0, -270, 24),
                             _arc(0.3, 0.74, 0.28, 0.26, 270, -90, 30),
                             _arc(0.3, 0.25, 0.22, 0.24, 90, 0, 8)])],
    "9": lambda: [np.vstack([_arc(0.3, 0.3, 0.27, 0.28, 0, 360, 30),
                             _line((0.57, 0.3), (0.52, 1.0), n=14)])],
}


def digit(d, x=0.0, y=0.0, h=100.0, t0=0.0, slant=0.0):
    """Strokes of digit ``d`` (str), top-left at (x, y), ``h`` high, slanted right by ``slant``."""
    out = []
    t = t0
    for s in SHAPES[d]():
        xy = np.c_[s[:, 0] + slant * (1 - s[:, 1]), s[:, 1]] * h + (x, y)
        ts = t + 10.0 * np.arange(len(xy))
        out.append(np.c_[xy, ts])
        t = ts[-1] + 150.0
    return out


def number(text, h=100.0, gap=0.25, x=0.0, y=0.0, slant=0.0):
    """A written number: its strokes in pen order, and each digit's stroke indices."""
    strokes, owners, t = [], [], 0.0
    for d in text:
        ink = digit(d, x, y, h, t, slant)
        owners.append(list(range(len(strokes), len(strokes) + len(ink))))
        strokes.extend(ink)
        xs = np.concatenate([s[:, 0] for s in ink])
        x = float(xs.max()) + gap * h
        t = float(ink[-1][-1, 2]) + 300.0
    return strokes, owners


def short_bar_seven(x=0.0, h=100.0, bar=0.12, lean=0.0, y=0.0):
    """A 7 whose bar is a short tick, one stroke of [x, y, t] points: the shipped model
    reads it as a 1 (p(7) ~ 0.01), so one taught sample of it shows a profile working."""
    p = _line((0.3 - bar, 0.0), (0.3 + 0.3 * bar, 0.02), (0.3 - lean, 1.0), n=14) * h + [x, y]
    return [np.c_[p, 10.0 * np.arange(len(p))]]

"""Choosing which strokes form each digit. (First version: x-overlap grouping.)"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Group:
    """Strokes read as one digit: input stroke indices, bbox, class probabilities."""

    strokes: list
    bbox: tuple
    probabilities: np.ndarray
    crop: object = None


@dataclass
class Reading:
    """One way to read the drawing: its groups left to right, text and log-probability."""

    groups: list
    text: str
    score: float


def segment(ink, scorer):
    """Readings of the drawing, best first. ``scorer(groups) -> (probs (M, 11), crops)``."""
    if not ink:
        return []
    boxes = [(s[:, 0].min(), s[:, 1].min(), s[:, 0].max(), s[:, 1].max()) for s in ink]
    order = sorted(range(len(ink)), key=lambda i: boxes[i][0])
    sets = []
    for i in order:
        x0, _, x1, _ = boxes[i]
        if sets and x0 <= sets[-1][1]:
            sets[-1][0].append(i)
            sets[-1][1] = max(sets[-1][1], x1)
        else:
            sets.append([[i], x1])
    members = [sorted(s[0]) for s in sets]
    probs, crops = scorer([[ink[i] for i in m] for m in members])
    groups = []
    for m, p, c in zip(members, probs, crops):
        b = np.array([boxes[i] for i in m])
        groups.append(Group(m, (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), p, c))
    labels = [int(np.argmax(g.probabilities[:10])) for g in groups]
    score = float(sum(np.log(max(g.probabilities[l], 1e-12)) for g, l in zip(groups, labels)))
    return [Reading(groups, "".join(map(str, labels)), score)]

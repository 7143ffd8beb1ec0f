"""What recognition returns: plain dataclasses, and their one JSON form."""
import base64
from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass
class Digit:
    """One digit of the number, in the order of reading (left to right)."""

    label: int                    # 0-9
    confidence: float             # probability of ``label``
    probabilities: list           # 10 floats, digits 0-9, summing to at most 1 (rest: reject)
    bbox: tuple                   # (x0, y0, x1, y1) in input coordinates
    strokes: list                 # indices of the input strokes this digit uses
    crop: np.ndarray = field(repr=False, default=None)  # (28, 28) uint8: what the CNN saw (upright)
    pieces: list = field(repr=False, default=None)      # its ink as drawn: (M, 3) arrays


@dataclass
class Alternative:
    """Another reading of the whole number; ``score`` is its log-probability (higher is better)."""

    text: str
    score: float


@dataclass
class Recognition:
    """The number read from a drawing: ``text`` is "" for an empty drawing."""

    text: str
    digits: list
    alternatives: list = field(default_factory=list)
    score: float = 0.0            # log-probability of ``text``


def crop_png_base64(crop):
    """A 28x28 uint8 crop as a base64-encoded PNG string."""
    ok, buf = cv2.imencode(".png", np.asarray(crop, np.uint8))
    if not ok:  # cv2 returns False only for unencodable arrays
        raise ValueError("crop could not be encoded as PNG")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def result_to_dict(result, crops=False):
    """The JSON form of a Recognition (also the HTTP API's response body).

    ``{"text", "score", "digits": [{"label", "confidence", "probabilities", "bbox",
    "strokes"[, "crop_png"]}], "alternatives": [{"text", "score"}]}``; with ``crops`` each
    digit carries ``crop_png``, its 28x28 crop as a base64 PNG.
    """
    digits = []
    for d in result.digits:
        item = {
            "label": int(d.label),
            "confidence": round(float(d.confidence), 6),
            "probabilities": [round(float(p), 6) for p in d.probabilities],
            "bbox": [round(float(v), 3) for v in d.bbox],
            "strokes": [int(i) for i in d.strokes],
        }
        if crops and d.crop is not None:
            item["crop_png"] = crop_png_base64(d.crop)
        digits.append(item)
    return {
        "text": result.text,
        "score": round(float(result.score), 6),
        "digits": digits,
        "alternatives": [{"text": a.text, "score": round(float(a.score), 6)}
                         for a in result.alternatives],
    }

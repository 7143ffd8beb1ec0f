"""Reading handwritten numbers: strokes in, the number and its digits out.

    from recognizer import NumberRecognizer
    rec = NumberRecognizer.load()          # the shipped model, loaded on first use
    res = rec.recognize(strokes)           # list of strokes of [x, y] or [x, y, t]
    res.text, res.digits, res.alternatives

Nothing is loaded at import time.
"""
from recognizer.classifier import ModelError
from recognizer.number import NumberRecognizer
from recognizer.result import Alternative, Digit, Recognition, result_to_dict
from segmentation import InkLimits, InvalidInk, RecognitionStopped, SegmentConfig, TooComplex

__all__ = ["NumberRecognizer", "Recognition", "Digit", "Alternative", "result_to_dict",
           "InvalidInk", "InkLimits", "ModelError", "SegmentConfig", "TooComplex",
           "RecognitionStopped"]

"""Reading handwritten numbers: strokes in, the number and its digits out.

    from recognizer import NumberRecognizer, Profile
    rec = NumberRecognizer.load()          # the shipped model, loaded on first use
    res = rec.recognize(strokes)           # list of strokes of [x, y] or [x, y, t]
    res.text, res.digits, res.alternatives

    me = Profile()                         # a writer's own hand, learnt from corrections
    rec.learn(me, strokes, "2047")         # -> Learnt; InvalidLabel if the ink cannot read it
    rec.recognize(strokes, profile=me)     # reads in that hand; me.to_bytes() stores it

Nothing is loaded at import time.
"""
from recognizer.classifier import ModelError
from recognizer.number import NumberRecognizer
from recognizer.profile import InvalidProfile, Profile
from recognizer.result import Alternative, Digit, Recognition, result_to_dict
from recognizer.teach import InvalidLabel, Learnt
from segmentation import InkLimits, InvalidInk, RecognitionStopped, SegmentConfig, TooComplex

__all__ = ["NumberRecognizer", "Recognition", "Digit", "Alternative", "result_to_dict",
           "InvalidInk", "InkLimits", "ModelError", "SegmentConfig", "TooComplex",
           "RecognitionStopped", "Profile", "InvalidProfile", "InvalidLabel", "Learnt"]

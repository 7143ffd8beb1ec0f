"""From ordered pen strokes to groups of strokes, one group per digit.

Ink format, defined once for the whole project:

* a **stroke** is a float array of shape ``(N, 2)`` or ``(N, 3)``: ``x, y`` in canvas
  pixels (origin top-left, y pointing down) and, optionally, ``t`` in milliseconds;
* a **drawing** is a list of strokes in the order the pen drew them.

Coordinates may be at any scale and offset; nothing here assumes a canvas size.
This package never imports TensorFlow: where recognition must guide a choice, the caller
passes a *scorer*, a callable that maps a batch of strokes-groups to class probabilities.
Every tuning constant is a field of ``SegmentConfig``; the work of one drawing is bounded
by its budget (``TooComplex``) and by the caller's deadline (``RecognitionStopped``).
"""
from segmentation.budget import RecognitionStopped, TooComplex
from segmentation.config import SegmentConfig
from segmentation.grouping import Group, segment
from segmentation.ink import InkLimits, InvalidInk, validate_ink

__all__ = ["InvalidInk", "InkLimits", "validate_ink", "Group", "segment", "SegmentConfig",
           "TooComplex", "RecognitionStopped"]

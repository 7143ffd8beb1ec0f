"""What bounds the work of reading one drawing: a budget that refuses ink, and a stop.

``TooComplex`` is an ``InvalidInk`` (its message starts "too complex: "): ink whose search
would exceed ``SegmentConfig``'s budget is refused before the expensive steps, never
ground through. ``RecognitionStopped`` is raised when the caller's deadline passes or its
``cancelled()`` says so (a client that hung up); the search checks between its steps.
"""
import time

from segmentation.ink import InvalidInk


class TooComplex(InvalidInk):
    """Ink within the limits whose search would exceed the work budget."""

    def __init__(self, what):
        super().__init__(f"too complex: {what}")


class RecognitionStopped(Exception):
    """Recognition stopped before it finished: the deadline passed, or the caller cancelled."""


def stopper(deadline=None, cancelled=None):
    """A no-argument check that raises ``RecognitionStopped`` once ``deadline`` (a
    ``time.monotonic()`` value) has passed or ``cancelled()`` returns true."""
    if deadline is None and cancelled is None:
        return _never

    def check():
        if deadline is not None and time.monotonic() > deadline:
            raise RecognitionStopped("deadline passed")
        if cancelled is not None and cancelled():
            raise RecognitionStopped("cancelled")
    return check


def _never():
    return None

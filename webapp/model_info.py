"""Which model the app serves: a short version string for /api/health and stored samples."""
import json
from pathlib import Path

from recognizer.classifier import SHIPPED_MODEL, SHIPPED_PATH_MODEL
from recognizer.lite import file_sha256
from recognizer.sequence import SHIPPED_SEQUENCE_MODEL


def describe(model_path=None, rec=None):
    """``{"version", "sha256", "file", "card"}`` for the model file (default: the shipped
    one), and with ``rec`` (the app's ``NumberRecognizer``) its ``readers``.

    ``version`` is the first 12 hex digits of the file's SHA-256, followed by ``+`` and the
    ``version`` (or ``created``) field of ``model_card.json`` beside the model, if there is one.
    """
    path = Path(model_path) if model_path is not None else SHIPPED_MODEL
    digest = file_sha256(path)
    card = _card(path.with_name("model_card.json"))
    tag = card.get("version") or card.get("created")
    version = digest[:12] + (f"+{tag}" if tag else "")
    out = {"version": version, "sha256": digest, "file": path.name,
           "card": {k: card[k] for k in ("version", "created") if k in card}}
    if rec is not None:
        out["readers"] = readers(rec)
    return out


def readers(rec):
    """The readers ``rec`` asks beside the digit CNN, each by the first 12 hex digits of
    its file's SHA-256: ``"pen_path=1a2b3c4d5e6f;sequence=0f1e2d3c4b5a"`` (one it goes
    without is left out; "" for none). A sample's reading depends on them too."""
    parts = []
    if rec.path_model is not False:
        parts.append(f"pen_path={file_sha256(rec.path_model or SHIPPED_PATH_MODEL)[:12]}")
    if rec.sequence_model is not False and rec.config.sequence_weight:
        parts.append(f"sequence={file_sha256(rec.sequence_model or SHIPPED_SEQUENCE_MODEL)[:12]}")
    return ";".join(parts)


def _card(path):
    try:
        card = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}

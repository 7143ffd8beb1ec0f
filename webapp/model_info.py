"""Which model the app serves: a short version string for /api/health and stored samples."""
import json
from pathlib import Path

from recognizer.classifier import SHIPPED_MODEL
from recognizer.lite import file_sha256


def describe(model_path=None):
    """``{"version", "sha256", "file", "card"}`` for the model file (default: the shipped one).

    ``version`` is the first 12 hex digits of the file's SHA-256, followed by ``+`` and the
    ``version`` (or ``created``) field of ``model_card.json`` beside the model, if there is one.
    """
    path = Path(model_path) if model_path is not None else SHIPPED_MODEL
    digest = file_sha256(path)
    card = _card(path.with_name("model_card.json"))
    tag = card.get("version") or card.get("created")
    version = digest[:12] + (f"+{tag}" if tag else "")
    return {"version": version, "sha256": digest, "file": path.name,
            "card": {k: card[k] for k in ("version", "created") if k in card}}


def _card(path):
    try:
        card = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}

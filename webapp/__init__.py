"""The inkdigits web app: a page to draw numbers on and a JSON API that reads them.

    flask --app webapp run            # development server
    inkdigits serve                   # waitress, the shipped model loaded at start

Config keys (defaults in :func:`create_app`): ``MODEL_PATH`` (None: the shipped model),
``DATABASE`` (SQLite file for corrections), ``MAX_CONTENT_LENGTH`` (bytes per request body),
``MAX_STROKES`` and ``MAX_POINTS`` (per drawing), ``CLASSIFIER`` (an already loaded
``recognizer.classifier.Classifier`` to share between apps, as tests do).
"""
import os
import time

import numpy as np

from flask import Flask, current_app

from recognizer import InkLimits, NumberRecognizer


def create_app(config=None):
    """Build the app: defaults, then ``instance/config.py``, then ``config``; load the model."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        MODEL_PATH=None,
        DATABASE=os.path.join(app.instance_path, "inkdigits.sqlite"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_STROKES=1000,
        MAX_POINTS=20_000,
        CLASSIFIER=None,
    )
    app.json.sort_keys = False
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)

    from webapp import api, db, errors, model_info, pages

    db.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    limits = InkLimits(max_strokes=app.config["MAX_STROKES"], max_points=app.config["MAX_POINTS"])
    rec = NumberRecognizer(app.config["MODEL_PATH"], limits, classifier=app.config["CLASSIFIER"])
    rec.classify(np.zeros((1, 28, 28), np.uint8))  # load and trace the model now, not on a request
    app.extensions["inkdigits"] = {
        "recognizer": rec,
        "model": model_info.describe(app.config["MODEL_PATH"]),
        "started": time.monotonic(),
    }
    return app


def get_recognizer():
    """The app's NumberRecognizer (loaded in :func:`create_app`)."""
    return current_app.extensions["inkdigits"]["recognizer"]


def get_model_info():
    """``{"version", "sha256", "file", "card"}`` of the model the app serves."""
    return current_app.extensions["inkdigits"]["model"]


def uptime_seconds():
    """Seconds since the app was created."""
    return time.monotonic() - current_app.extensions["inkdigits"]["started"]

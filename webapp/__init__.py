"""The inkdigits web app: a page to draw numbers on and a JSON API that reads them.

    flask --app webapp run            # development server
    inkdigits serve                   # waitress, the shipped model loaded at start
    inkdigits serve --workers N       # gunicorn: N processes, each loading the models itself

Config keys (defaults in :func:`create_app`): ``MODEL_PATH`` (None: the shipped model),
``DATABASE`` (the store of corrections and profiles: an SQLite file, created here, or a
``postgresql://`` URL; its schema is created and migrated here), ``MAX_CONTENT_LENGTH`` (bytes per
request body), ``MAX_STROKES`` and ``MAX_POINTS`` (per drawing), ``CLASSIFIER`` (an already
loaded ``recognizer.classifier.Classifier`` to share between apps, as tests do).

Protection (see ``webapp.security`` and ``webapp.limits``): ``ALLOWED_HOSTS`` (Host header
names; ``"*"`` for any), ``REQUEST_DEADLINE_S`` (a recognition stops when it passes),
``MAX_RECOGNITIONS`` (at once) and ``QUEUE_WAIT_S`` (how long a request waits for one of
them before a 503), ``SAMPLES_PER_MINUTE`` (per client; 0: no limit), ``MAX_STORE_BYTES``
(the corrections database's size cap), ``RETRY_AFTER_S`` (told to clients turned away).
"""
import os
import sqlite3
import time

import numpy as np

from flask import Flask, current_app

from recognizer import InkLimits, NumberRecognizer
from webapp import security
from webapp.limits import Gate, RateLimiter


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
        ALLOWED_HOSTS=list(security.DEFAULT_ALLOWED_HOSTS),
        REQUEST_DEADLINE_S=3.0,
        MAX_RECOGNITIONS=4,
        QUEUE_WAIT_S=2.0,
        SAMPLES_PER_MINUTE=30,
        MAX_STORE_BYTES=1 << 30,
        RETRY_AFTER_S=1,
    )
    app.json.sort_keys = False
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)

    from webapp import api, db, errors, model_info, observe, pages

    errors.init_app(app)
    observe.init_app(app)     # first: its clock starts before security's checks run
    security.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    limits = InkLimits(max_strokes=app.config["MAX_STROKES"], max_points=app.config["MAX_POINTS"])
    rec = NumberRecognizer(app.config["MODEL_PATH"], limits, classifier=app.config["CLASSIFIER"])
    rec.classify(np.zeros((1, 28, 28), np.uint8))  # load and trace the model now, not on a request
    rec.path_reader                                 # and the pen-path reader (~5 ms on LiteRT)
    rec.sequence_reader                             # and the sequence reader
    app.extensions["inkdigits"] = {
        "recognizer": rec,
        "model": model_info.describe(app.config["MODEL_PATH"], rec),
        "started": time.monotonic(),
        "gate": Gate(app.config["MAX_RECOGNITIONS"], app.config["QUEUE_WAIT_S"]),
        "limiter": RateLimiter(app.config["SAMPLES_PER_MINUTE"]),
        "database_error": None,   # (state, message) of the last failed write, for health
    }
    db.init_app(app)
    _create_database(app)
    return app


def _create_database(app):
    """Create the database now: later opens never create one. A failure is logged and the
    app still reads drawings; /api/health and POST /api/samples report the database state."""
    from sqlalchemy.exc import SQLAlchemyError

    from webapp import db

    try:
        db.init_db(app.config["DATABASE"])
    except (sqlite3.Error, SQLAlchemyError, OSError, RuntimeError) as e:
        app.logger.warning("database %s not ready: %s", db.describe(app.config["DATABASE"]), e)


def get_recognizer():
    """The app's NumberRecognizer (loaded in :func:`create_app`)."""
    return current_app.extensions["inkdigits"]["recognizer"]


def get_model_info():
    """``{"version", "sha256", "file", "card", "readers"}`` of the models the app serves."""
    return current_app.extensions["inkdigits"]["model"]


def uptime_seconds():
    """Seconds since the app was created."""
    return time.monotonic() - current_app.extensions["inkdigits"]["started"]

"""Each browser's anonymous profile: a random id in a cookie, its ``Profile`` in the store.

The cookie :data:`COOKIE` (HttpOnly, SameSite=Lax, a year; Secure over HTTPS) holds an id
the server drew (``secrets.token_urlsafe``, 192 bits); the ``profile`` table holds the
``recognizer.Profile`` of that id, one row per profile. So any worker on any machine
serves the same profile, and one browser's corrections never reach another's readings.

- A reading (:func:`for_reading`) uses the browser's profile; it reads as none when there
  is no cookie, no row, a row it cannot use, or the store is down: a reading never fails
  for want of a profile.
- A stored correction (:func:`teach`) learns it in the sample's own transaction
  (``db.insert_sample(also=...)``). The learning is done before the transaction and kept
  only if no other request wrote the profile meanwhile (its ``revision``); otherwise it is
  redone on the profile as it is now, so concurrent corrections from two tabs all count.
- A profile made for another model (a new shipped model) is rebuilt at the next
  correction from the profile's own stored samples, newest :data:`REBUILD_SAMPLES` of
  them, within a recognition slot like any reading; until then it reads as none. Never
  misused, never silently dropped.
- An id the server did not issue is never adopted: a malformed cookie, or one naming no
  profile (forgotten, or made up), gets a fresh id at the browser's next correction.
"""
import re
import secrets
import sqlite3
from contextlib import nullcontext
from typing import NamedTuple

from flask import request
from sqlalchemy.exc import DBAPIError

from recognizer import InvalidLabel, Profile
from recognizer.profile import InvalidProfile, check_model
from webapp import db

COOKIE = "inkdigits_profile"
ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")   # token_urlsafe(24)
MAX_AGE_S = 365 * 24 * 3600
RETRIES = 10             # lost races before a correction is refused (503): a race is
                         # lost only to another write of the same profile that won
REBUILD_SAMPLES = 50     # stored corrections re-learnt when the model changed


class Taught(NamedTuple):
    """What :func:`teach` did: the stored ``row`` (new when ``created``), the browser's
    ``profile_id`` and ``profile`` now, and what was ``learnt``."""

    row: dict
    created: bool
    profile_id: str
    profile: Profile
    learnt: object


class LostRace(Exception):
    """Other requests kept writing the profile: the correction was not stored."""


def new_id():
    return secrets.token_urlsafe(24)


def cookie_id():
    """The request's profile id when its cookie is well formed, else None."""
    value = request.cookies.get(COOKIE)
    return value if value is not None and ID_RE.fullmatch(value) else None


def set_cookie(response, profile_id):
    response.set_cookie(COOKIE, profile_id, max_age=MAX_AGE_S, path="/", httponly=True,
                        samesite="Lax", secure=request.is_secure)


def clear_cookie(response):
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                           secure=request.is_secure)


def usable(row, model):
    """The row's ``Profile`` when it can be read with ``model``, else None."""
    if row is None:
        return None
    try:
        profile = Profile.from_bytes(row["data"])
        check_model(profile, model)
    except InvalidProfile:
        return None
    return profile


def for_reading(rec, conn=None):
    """The browser's profile to read with, or None (see the module docstring). The store
    is opened only when the request has a profile cookie; on ``conn``, given by a request
    that needs the store anyway, its errors are the caller's."""
    profile_id = cookie_id()
    if profile_id is None:
        return None
    if conn is not None:
        return usable(db.load_profile(conn, profile_id), rec.classifier.fingerprint)
    try:
        row = db.load_profile(db.get_db(), profile_id)
    except (sqlite3.Error, DBAPIError):
        db.close_db()          # a broken connection is not reused by the request
        return None
    return usable(row, rec.classifier.fingerprint)


def summary(profile):
    """What a page shows of a profile: ``{"corrections", "samples"}`` (samples per digit)."""
    if profile is None:
        return None
    return {"corrections": profile.corrections, "samples": profile.counts()}


def teach(conn, rec, strokes, label, store, slot=nullcontext):
    """Learn ``label`` for ``strokes`` into the browser's profile and store the sample.

    ``store(profile_id, also)`` stores the sample (``db.insert_sample`` with the profile
    write ``also`` in its transaction) and returns its ``(row, created)``; ``slot()`` is
    held while ``rec.learn`` runs, a rebuild of a stale profile included (the caller's
    recognition slot: learning is reading). Returns a :class:`Taught`; its ``learnt`` is
    None when no grouping of the ink reads ``label`` (the sample is stored all the same,
    the profile unchanged) or the sample was stored before (a retried key). Raises
    :class:`LostRace` after :data:`RETRIES` lost races.
    """
    model = rec.classifier.fingerprint
    profile_id = cookie_id()
    for _ in range(RETRIES):
        row = db.load_profile(conn, profile_id) if profile_id else None
        conn.rollback()                       # end the read: the write starts afresh
        if row is None:
            profile_id, revision, profile = new_id(), None, Profile()
        else:
            revision = row["revision"]
            profile = usable(row, model)
        with slot():
            if profile is None:
                profile = rebuild(conn, rec, profile_id)
            try:
                learnt = rec.learn(profile, strokes, label)
            except InvalidLabel:
                learnt = None
        blob = profile.to_bytes()

        def also(c, profile_id=profile_id, revision=revision, n=profile.corrections,
                 blob=blob):
            return db.save_profile(c, profile_id, revision, n, blob)

        stored, created = store(profile_id, also)
        if stored is not None:
            return Taught(stored, created, profile_id, profile, learnt if created else None)
    raise LostRace(f"the profile was changed by {RETRIES} other requests meanwhile")


def rebuild(conn, rec, profile_id):
    """A new ``Profile`` for this recognizer's model from the profile's newest stored
    samples (those it cannot align are skipped)."""
    profile = Profile()
    for strokes, label in db.newest_samples_of(conn, profile_id, REBUILD_SAMPLES)[::-1]:
        try:
            rec.learn(profile, strokes, label)
        except (InvalidLabel, ValueError):
            continue
    return profile


def learnt_to_dict(learnt):
    """The ``learnt`` field of a stored sample's answer: the digits aligned to the ink, those
    the shared model alone reads otherwise (``read``), how many groups of the corrected
    reading were learnt as no digit (a split or a merge), and old samples dropped."""
    if learnt is None:
        return None
    return {"text": learnt.text, "digits": [d.label for d in learnt.digits],
            "misread": [{"label": d.label, "read": d.shared_label} for d in learnt.misread],
            "not_digits": learnt.not_digits, "dropped": learnt.dropped}

"""Each browser's profile on the web app (issue 12, item 5), on the shipped model and both
stores: a correction teaches the browser's profile and the very next reading uses it; one
browser's corrections never change another's readings; "Forget my handwriting" deletes it;
a cookie the server did not issue is never adopted."""
import json
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import PATIENT
from shapes import number, short_bar_seven
from sqlalchemy import text

from recognizer import NumberRecognizer, Profile
from recognizer.classifier import SHIPPED_MODEL
from webapp import create_app, db, profiles

pytestmark = pytest.mark.skipif(not Path(SHIPPED_MODEL).is_file(),
                                reason=f"no shipped model at {SHIPPED_MODEL}")
COOKIE = profiles.COOKIE


def seven(*args):
    """``shapes.short_bar_seven`` as the API's JSON: the shared model reads it as a 1."""
    return [s.tolist() for s in short_bar_seven(*args)]


ANOTHER_SEVEN = seven(300.0, 80.0, 0.1, 0.05)
NO_SEVEN = [s.tolist() for s in number("2046")[0]]  # a plain 7 taught dilutes the tick one


@pytest.fixture(scope="module")
def shipped():
    rec = NumberRecognizer.load()
    rec.classifier
    return rec


@pytest.fixture
def app(shipped, database):
    return create_app({"TESTING": True, "CLASSIFIER": shipped.classifier, "DATABASE": database,
                       "SAMPLES_PER_MINUTE": 0, **PATIENT})


def read(client, strokes):
    r = client.post("/api/recognize", json={"strokes": strokes})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def correct(client, strokes, label, **extra):
    r = client.post("/api/samples", json={"strokes": strokes, "label": label, **extra})
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()


def profile_rows(app):
    with app.app_context():
        conn = db.get_db()
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, revision, corrections FROM profile ORDER BY created"))]


def sample_profiles(app):
    with app.app_context():
        return [s["profile_id"] for s in db.iter_samples(db.get_db())]


def test_the_shipped_model_misreads_the_short_bar_seven(shipped):
    assert shipped.recognize(seven()).text == "1"
    assert shipped.recognize(ANOTHER_SEVEN).text == "1"


def test_a_correction_teaches_the_browsers_profile_and_the_next_reading_uses_it(app):
    client = app.test_client()
    assert "profile" not in read(client, seven())          # no cookie: the library's fields
    body = correct(client, seven(), "7", predicted="1")
    assert body["learnt"] == {"text": "7", "digits": [7], "dropped": 0, "not_digits": 0,
                              "misread": [{"label": 7, "read": 1}]}   # "learnt: your 7"
    assert body["profile"] == {"corrections": 1, "samples": [0] * 7 + [1, 0, 0]}
    cookie = client.get_cookie(COOKIE)
    assert profiles.ID_RE.fullmatch(cookie.value)
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/"
    assert cookie.max_age == profiles.MAX_AGE_S
    # one row per profile, next to the sample that taught it
    assert profile_rows(app) == [{"id": cookie.value, "revision": 1, "corrections": 1}]
    assert sample_profiles(app) == [cookie.value]
    # the very next reading is in the writer's hand
    after = read(client, ANOTHER_SEVEN)
    assert after["text"] == "7" and after["profile"]["corrections"] == 1
    assert client.get("/api/profile").get_json() == {"profile": body["profile"]}


def test_one_browsers_corrections_never_change_anothers_readings(app):
    a, b = app.test_client(), app.test_client()
    before = read(b, ANOTHER_SEVEN)
    correct(a, seven(), "7")
    assert read(a, ANOTHER_SEVEN)["text"] == "7"
    assert read(b, ANOTHER_SEVEN) == before                 # b has no profile: unchanged
    correct(b, NO_SEVEN, "2046")                              # b gets its own profile
    assert a.get_cookie(COOKIE).value != b.get_cookie(COOKIE).value
    again = read(b, ANOTHER_SEVEN)
    assert again["text"] == "1" and again["profile"]["corrections"] == 1
    assert read(a, ANOTHER_SEVEN)["profile"] == {"corrections": 1,
                                                 "samples": [0] * 7 + [1, 0, 0]}
    assert sorted(r["corrections"] for r in profile_rows(app)) == [1, 1]


def test_a_retried_correction_is_learnt_once(app):
    client = app.test_client()
    key = uuid.uuid4().hex
    first = correct(client, seven(), "7", key=key)
    again = correct(client, seven(), "7", key=key)
    assert first["learnt"] and "learnt" not in again and again["id"] == first["id"]
    assert [r["corrections"] for r in profile_rows(app)] == [1]


def test_forget_my_handwriting_deletes_the_profile_and_its_cookie(app):
    client = app.test_client()
    correct(client, seven(), "7")
    old = client.get_cookie(COOKIE).value
    r = client.delete("/api/profile")
    assert r.status_code == 200 and r.get_json() == {"deleted": True, "profile": None}
    assert client.get_cookie(COOKIE) is None
    assert profile_rows(app) == []
    assert sample_profiles(app) == [old]                    # the sample stays, as training data
    assert read(client, ANOTHER_SEVEN)["text"] == "1"       # read as the shared model again
    assert client.get("/api/profile").get_json() == {"profile": None}
    assert client.delete("/api/profile").get_json()["deleted"] is False
    correct(client, seven(), "7")
    assert client.get_cookie(COOKIE).value != old           # a new profile, a new id


def test_forget_from_another_site_is_refused(app):
    client = app.test_client()
    correct(client, seven(), "7")
    r = client.delete("/api/profile", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert len(profile_rows(app)) == 1


@pytest.mark.parametrize("value", ["", "x", "a" * 31, "a" * 33, "a" * 4000, "../etc/passwd",
                                   "é" * 32, "a" * 31 + "="])
def test_a_malformed_cookie_reads_as_no_profile_and_is_replaced(app, value):
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    assert "profile" not in read(client, seven())
    correct(client, seven(), "7")
    new = client.get_cookie(COOKIE).value
    assert new != value and profiles.ID_RE.fullmatch(new)


def test_an_id_the_server_did_not_issue_is_never_adopted(app):
    client = app.test_client()
    made_up = "A" * 32
    client.set_cookie(COOKIE, made_up)
    assert "profile" not in read(client, seven())
    correct(client, seven(), "7")
    assert client.get_cookie(COOKIE).value != made_up
    assert [r["id"] for r in profile_rows(app)] != [made_up]


def test_a_label_no_grouping_can_read_is_stored_and_teaches_nothing(app):
    client = app.test_client()
    body = correct(client, seven(), "7")
    r = client.post("/api/samples", json={"strokes": seven(), "label": "1234567"})
    assert r.status_code == 201
    assert r.get_json()["learnt"] is None and r.get_json()["profile"]["corrections"] == 1
    assert read(client, ANOTHER_SEVEN)["profile"] == body["profile"]
    assert len(sample_profiles(app)) == 2


def _set_data(app, profile_id, blob):
    with app.app_context():
        conn = db.get_db()
        with db.transaction(conn):
            conn.execute(text("UPDATE profile SET data = :d WHERE id = :id"),
                         {"d": blob, "id": profile_id})


@pytest.mark.parametrize("blob", [b"not a profile", b"{}", b"\xff" * 100])
def test_an_unreadable_profile_reads_as_none_and_is_rebuilt_from_its_samples(app, blob):
    client = app.test_client()
    correct(client, seven(), "7")
    profile_id = client.get_cookie(COOKIE).value
    _set_data(app, profile_id, blob)
    assert "profile" not in read(client, ANOTHER_SEVEN)
    body = correct(client, NO_SEVEN, "2046")                  # rebuilt: the 7, then 2046
    assert body["profile"] == {"corrections": 2, "samples": [1, 0, 1, 0, 1, 0, 1, 1, 0, 0]}
    assert client.get_cookie(COOKIE).value == profile_id
    assert read(client, ANOTHER_SEVEN)["text"] == "7"


def test_a_rebuild_holds_a_recognition_slot(shipped, database, monkeypatch):
    app = create_app({"TESTING": True, "CLASSIFIER": shipped.classifier, "DATABASE": database,
                      "SAMPLES_PER_MINUTE": 0, "MAX_RECOGNITIONS": 1, **PATIENT})
    gate = app.extensions["inkdigits"]["gate"]
    client = app.test_client()
    correct(client, seven(), "7")
    _set_data(app, client.get_cookie(COOKIE).value, b"stale")
    held = []
    rebuild = profiles.rebuild
    monkeypatch.setattr(profiles, "rebuild",
                        lambda *a: held.append(gate._free == 0) or rebuild(*a))
    correct(client, NO_SEVEN, "2046")
    assert held == [True]          # relearning 50 samples is reading: the gate bounds it


def test_a_profile_of_another_model_is_never_used_and_is_rebuilt(app, shipped):
    client = app.test_client()
    correct(client, seven(), "7")
    profile_id = client.get_cookie(COOKIE).value
    other = Profile()
    other.add("another-model", [1], np.ones((1, 64)))       # a 7 taught to another model as 1
    _set_data(app, profile_id, other.to_bytes())
    assert "profile" not in read(client, ANOTHER_SEVEN)     # refused, not misused
    body = correct(client, NO_SEVEN, "2046")
    assert body["profile"]["corrections"] == 2
    with app.app_context():
        row = db.load_profile(db.get_db(), profile_id)
    assert Profile.from_bytes(row["data"]).model == shipped.classifier.fingerprint


def test_concurrent_corrections_from_two_tabs_all_count(app):
    first = app.test_client()
    correct(first, seven(), "7")
    cookie = first.get_cookie(COOKIE).value
    tabs, statuses = 3, []

    def tab(n):
        client = app.test_client()
        client.set_cookie(COOKIE, cookie)
        for i in range(3):
            r = client.post("/api/samples", json={"strokes": seven(10.0 * i, 90.0 + n),
                                                  "label": "7"})
            statuses.append((r.status_code, r.get_json().get("error")))

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [(201, None)] * 9
    assert profile_rows(app) == [{"id": cookie, "revision": 10, "corrections": 10}]
    assert sample_profiles(app) == [cookie] * 10


def test_a_profile_stays_within_its_bounds_over_the_web(app):
    client = app.test_client()
    for i in range(25):
        correct(client, seven(5.0 * i, 80.0 + i), "7")
    body = json.loads(client.get("/api/profile").data)
    assert body["profile"] == {"corrections": 25, "samples": [0] * 7 + [20, 0, 0]}


def test_a_corrected_merge_teaches_the_browsers_grouping(app):
    client = app.test_client()
    merged = [s.tolist() for s in number("13", gap=-0.1)[0]]
    assert read(client, merged)["text"] == "3"
    body = correct(client, merged, "13", predicted="3")
    assert body["learnt"]["not_digits"] == 1 and body["learnt"]["digits"] == [1, 3]
    assert read(client, merged)["text"] == "13"
    assert read(app.test_client(), merged)["text"] == "3"      # another browser: unchanged

"""The JSON API through Flask's test client: good input, and every kind of bad input."""
import base64
import io
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp import create_app

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]            # a vertical "1"
SEVEN = [[[60, 10], [110, 10]], [[110, 10], [80, 110]]]      # a "7" in two strokes
INK = [ONE] + SEVEN


def post(client, url, body):
    """POST ``body`` as JSON (a str is sent as it is)."""
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def count_samples(app):
    from webapp import db

    with app.app_context():
        return db.count_samples(db.get_db())


# --- POST /api/recognize -------------------------------------------------------------

def test_recognize_returns_the_result_dict(client):
    r = post(client, "/api/recognize", {"strokes": INK})
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"text", "score", "digits", "alternatives"}
    assert len(body["text"]) == len(body["digits"]) == 2
    assert sorted(i for d in body["digits"] for i in d["strokes"]) == [0, 1, 2]
    for d in body["digits"]:
        assert set(d) == {"label", "confidence", "probabilities", "bbox", "strokes"}
        assert len(d["probabilities"]) == 10 and 0 <= d["label"] <= 9
    assert body["digits"][0]["bbox"] == [10.0, 10.0, 10.0, 110.0]


def test_recognize_with_crops_gives_28x28_pngs(client):
    r = post(client, "/api/recognize", {"strokes": INK, "crops": True})
    assert r.status_code == 200
    for d in r.get_json()["digits"]:
        png = np.frombuffer(base64.b64decode(d["crop_png"]), np.uint8)
        assert cv2.imdecode(png, cv2.IMREAD_UNCHANGED).shape == (28, 28)


@pytest.mark.parametrize("strokes", [[], [[]], [[], []]])
def test_recognize_empty_drawing_reads_nothing(client, strokes):
    r = post(client, "/api/recognize", {"strokes": strokes})
    assert r.status_code == 200
    assert r.get_json() == {"text": "", "score": 0.0, "digits": [], "alternatives": []}


@pytest.mark.parametrize("body", [
    b"{", b"", b"{'strokes': []}", b'{"strokes": [}', b"\xff\xfe\x00",
    b'{"strokes": NaN}', b'{"strokes": [[[Infinity, 1]]]}',
    b"[" * 100_000 + b"]" * 100_000,                   # deeper than the parser's recursion
    b"[]", b"null", b'"strokes"', b"42",             # JSON, but not an object
])
@pytest.mark.parametrize("url", ["/api/recognize", "/api/samples"])
def test_malformed_json_is_400(client, url, body):
    r = client.post(url, data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"].startswith("malformed JSON")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
@pytest.mark.parametrize("url", ["/api/recognize", "/api/samples"])
def test_wrong_content_type_is_415(client, url, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post(url, data=json.dumps({"strokes": INK, "label": "17"}), headers=headers)
    assert r.status_code == 415
    assert "application/json" in r.get_json()["error"]


BAD_INK = [
    ({}, "strokes: required"),
    ({"strokes": "1,2"}, "strokes must be a list"),
    ({"strokes": {"0": [[1, 2]]}}, "strokes must be a list"),
    ({"strokes": 7}, "strokes must be a list"),
    ({"strokes": None}, "strokes must be a list"),
    ({"strokes": [ONE, 5]}, "stroke 1 must be a list of points"),
    ({"strokes": [ONE, [[1, 2], [3]]]}, "stroke 1, point 1"),
    ({"strokes": [[[1, 2, 3, 4]]]}, "stroke 0, point 0"),
    ({"strokes": [ONE, [[1, 2], ["a", 2]]]}, "stroke 1, point 1"),
    ({"strokes": [[[1, 2], [True, 2]]]}, "stroke 0, point 1"),
    ({"strokes": [[[1, 2], [None, 2]]]}, "stroke 0, point 1"),
    ({"strokes": [[[1, 2], {"x": 1, "y": 2}]]}, "stroke 0, point 1"),
    ({"strokes": [[[1, 2], [1, 2, 3]]]}, "stroke 0"),
    ({"strokes": [[[[1, 2], [3, 4]]]]}, "stroke 0"),
    ({"strokes": [[[1, [2]]]]}, "stroke 0"),
    ('{"strokes": [[[1, 2]], [[1, 2], [1e999, 2]]]}', "stroke 1, point 1"),  # inf
    ({"strokes": [[[1, 2], [1, 1e8]]]}, "stroke 0, point 1"),
    ({"strokes": [[[int("9" * 400), 1]]]}, "stroke 0, point 0"),
    ({"strokes": [[[0, 0]]] * 1001}, "too many strokes"),
    ({"strokes": [[[i, i] for i in range(20_001)]]}, "too many points"),
]


@pytest.mark.parametrize("body, message", BAD_INK)
def test_invalid_ink_is_422_naming_stroke_and_point(client, body, message):
    r = post(client, "/api/recognize", body)
    assert r.status_code == 422
    assert message in r.get_json()["error"]


@pytest.mark.parametrize("crops", ["yes", 1, None, [True]])
def test_recognize_crops_must_be_boolean(client, crops):
    r = post(client, "/api/recognize", {"strokes": INK, "crops": crops})
    assert r.status_code == 422
    assert "crops" in r.get_json()["error"]


def test_ink_limits_are_configurable(recognizer, tmp_path):
    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "db.sqlite"), "MAX_STROKES": 2,
                      "MAX_POINTS": 5})
    client = app.test_client()
    assert post(client, "/api/recognize", {"strokes": INK}).status_code == 422
    assert "too many strokes: 3 > 2" in post(client, "/api/recognize",
                                              {"strokes": INK}).get_json()["error"]
    r = post(client, "/api/recognize", {"strokes": [ONE, [[0, 0], [1, 1], [2, 2]]]})
    assert "too many points" in r.get_json()["error"]
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200


# --- 413: the body limit is enforced before parsing --------------------------------------

@pytest.mark.parametrize("url", ["/api/recognize", "/api/samples"])
def test_body_over_the_default_limit_is_413(client, url):
    body = b'{"strokes": [' + b" " * (1024 * 1024) + b"]}"
    r = client.post(url, data=body, content_type="application/json")
    assert r.status_code == 413
    assert "error" in r.get_json()


def test_body_limit_applies_before_parsing(recognizer, tmp_path):
    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "db.sqlite"), "MAX_CONTENT_LENGTH": 100})
    client = app.test_client()
    r = client.post("/api/recognize", data=b"{" * 101, content_type="application/json")
    assert r.status_code == 413  # not 400: the malformed body is never read
    ok = client.post("/api/recognize", data=b'{"strokes": [[[1, 2], [1, 30]]]}',
                     content_type="application/json")
    assert ok.status_code == 200


def test_body_limit_applies_without_content_length(recognizer, tmp_path):
    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "db.sqlite"), "MAX_CONTENT_LENGTH": 100})
    body = b'{"strokes": [' + b" " * 200 + b"]}"
    # a chunked body, as a WSGI server passes it on: no length, input_terminated
    r = app.test_client().post("/api/recognize", input_stream=io.BytesIO(body),
                               headers={"Content-Type": "application/json"},
                               environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413


# --- POST /api/samples -------------------------------------------------------------------

def test_sample_is_stored_with_label_prediction_and_model_version(app, client):
    r = post(client, "/api/samples", {"strokes": INK, "label": "17", "predicted": "11"})
    assert r.status_code == 201
    body = r.get_json()
    health = client.get("/api/health").get_json()
    assert body == {"id": 1, "label": "17", "predicted": "11",
                    "model_version": health["model_version"], "key": None,
                    "learnt": body["learnt"], "profile": {"corrections": 1,
                                                          "samples": [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]}}
    assert body["learnt"]["text"] == "17" and body["learnt"]["digits"] == [1, 7]
    from webapp import db

    with app.app_context():
        row = next(db.iter_samples(db.get_db()))
    assert (row["label"], row["predicted"], row["model_version"]) == ("17", "11",
                                                                      body["model_version"])
    assert row["readers"] == health["model"]["readers"]        # the readers beside the CNN
    assert row["readers"].startswith("pen_path=") and ";sequence=" in row["readers"]
    assert row["strokes"] == INK
    assert row["created"].endswith("+00:00")
    assert row["profile_id"] == client.get_cookie("inkdigits_profile").value


def test_sample_without_prediction_stores_the_servers_reading(app, client):
    expected = post(client, "/api/recognize", {"strokes": INK}).get_json()["text"]
    r = post(client, "/api/samples", {"strokes": INK, "label": "17"})
    assert r.status_code == 201
    assert r.get_json()["predicted"] == expected


@pytest.mark.parametrize("body, message", [
    ({"strokes": INK}, "label"),
    ({"strokes": INK, "label": ""}, "label"),
    ({"strokes": INK, "label": "1a"}, "label"),
    ({"strokes": INK, "label": " 17"}, "label"),
    ({"strokes": INK, "label": "17\n"}, "label"),
    ({"strokes": INK, "label": "１７"}, "label"),          # full-width digits
    ({"strokes": INK, "label": "-17"}, "label"),
    ({"strokes": INK, "label": 17}, "label"),
    ({"strokes": INK, "label": None}, "label"),
    ({"strokes": INK, "label": ["1", "7"]}, "label"),
    ({"strokes": INK, "label": "1" * 65}, "label"),
    ({"strokes": INK, "label": "17", "predicted": 17}, "predicted"),
    ({"strokes": INK, "label": "17", "predicted": "x" * 65}, "predicted"),
    ({"label": "17"}, "strokes: required"),
    ({"strokes": [], "label": "17"}, "empty"),
    ({"strokes": [[], []], "label": "17"}, "empty"),
    ({"strokes": [ONE, [[1, 2], ["a", 2]]], "label": "17"}, "stroke 1, point 1"),
    ({"strokes": "ink", "label": "17"}, "strokes must be a list"),
])
def test_invalid_sample_is_422_and_not_stored(app, client, body, message):
    r = post(client, "/api/samples", body)
    assert r.status_code == 422
    assert message in r.get_json()["error"]
    assert count_samples(app) == 0


# --- GET /api/health, /api/openapi.json, unknown routes ------------------------------------

def test_health_reports_model_version_and_uptime(client, recognizer):
    import hashlib

    from recognizer.classifier import SHIPPED_PATH_MODEL
    from recognizer.sequence import SHIPPED_SEQUENCE_MODEL

    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.get_json()
    digest = hashlib.sha256(recognizer.path.read_bytes()).hexdigest()
    assert body["status"] == "ok"
    assert body["model_version"] == digest[:12]
    shipped = {name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
               for name, path in (("pen_path", SHIPPED_PATH_MODEL),
                                  ("sequence", SHIPPED_SEQUENCE_MODEL))}
    assert body["model"] == {"version": digest[:12], "sha256": digest, "file": "m.keras",
                             "card": {}, "readers": f"pen_path={shipped['pen_path']};"
                                                   f"sequence={shipped['sequence']}"}
    assert 0 <= body["uptime_s"] < 60
    assert body["database"]["status"] == "ok"


def test_health_adds_the_model_cards_version(recognizer, tmp_path):
    model = tmp_path / "digits.keras"
    model.write_bytes(recognizer.path.read_bytes())
    (tmp_path / "model_card.json").write_text(json.dumps({"version": "v3", "created": "x"}))
    app = create_app({"MODEL_PATH": str(model), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "db.sqlite")})
    body = app.test_client().get("/api/health").get_json()
    assert body["model_version"].endswith("+v3")
    assert body["model"]["card"] == {"version": "v3", "created": "x"}


@pytest.mark.parametrize("method, url, status", [
    ("get", "/api/nope", 404), ("get", "/nope", 404), ("post", "/api/health", 405),
    ("get", "/api/recognize", 405), ("delete", "/api/samples", 405), ("put", "/", 405),
])
def test_unknown_routes_and_methods_are_json(client, method, url, status):
    r = getattr(client, method)(url)
    assert r.status_code == status
    assert r.is_json and r.get_json()["error"]


def test_unexpected_errors_are_json_500_without_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.get_json() == {"error": "internal error"}


def test_openapi_describes_exactly_the_api_routes(app, client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            routes.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: {m.upper() for m in item} for path, item in doc["paths"].items()}
    assert documented == routes


def test_openapi_lists_every_status_the_api_answers(client):
    doc = client.get("/api/openapi.json").get_json()
    for path in ("/api/recognize", "/api/samples"):
        codes = set(doc["paths"][path]["post"]["responses"])
        assert {"400", "405", "413", "415", "422"} <= codes
    assert "200" in doc["paths"]["/api/recognize"]["post"]["responses"]
    assert "201" in doc["paths"]["/api/samples"]["post"]["responses"]
    refs = {v.split("/")[-1] for v in _values(doc, "$ref")}
    assert refs <= set(doc["components"]["schemas"])


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from [v] if k == key else _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)


# --- no input produces a 500 -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5),
                                                                      children, max_size=3),
    max_leaves=30)
bodies = st.fixed_dictionaries({}, optional={"strokes": json_values, "label": json_values,
                                             "predicted": json_values, "crops": json_values})


@pytest.fixture
def unlimited_client(recognizer, tmp_path):
    """A client of an app without the samples rate limit: every body reaches validation."""
    return create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                       "DATABASE": str(tmp_path / "db.sqlite"),
                       "SAMPLES_PER_MINUTE": 0}).test_client()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies | json_values, url=st.sampled_from(["/api/recognize", "/api/samples"]))
def test_no_json_body_produces_a_500(unlimited_client, body, url):
    r = post(unlimited_client, url, body)
    assert r.status_code in (200, 201, 400, 422)
    assert r.is_json


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200), url=st.sampled_from(["/api/recognize", "/api/samples"]))
def test_no_raw_body_produces_a_500(unlimited_client, raw, url):
    r = unlimited_client.post(url, data=raw, content_type="application/json")
    assert r.status_code in (200, 201, 400, 422)
    assert r.is_json


def test_importing_the_app_loads_no_model():
    code = "import sys, webapp, webapp.api, webapp.serve; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


coordinates = st.floats(-1e7, 1e7, allow_nan=False) | st.integers(-10**7, 10**7)
points = st.one_of(st.lists(st.tuples(coordinates, coordinates).map(list), max_size=6),
                   st.lists(st.tuples(coordinates, coordinates, coordinates).map(list), max_size=6))
degenerate = st.lists(st.just([5, 5]), min_size=1, max_size=4)   # one dot, repeated


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(strokes=st.lists(points | degenerate, max_size=5))
def test_any_valid_ink_is_read(client, strokes):
    r = post(client, "/api/recognize", {"strokes": strokes, "crops": True})
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()["text"]) == len(r.get_json()["digits"])


def test_flask_cli_finds_the_app_factory():
    from flask.cli import ScriptInfo

    from recognizer.classifier import SHIPPED_MODEL

    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"{SHIPPED_MODEL} is missing: `flask --app webapp run` serves the shipped model")
    app = ScriptInfo(app_import_path="webapp").load_app()   # as `flask --app webapp run` does
    assert app.name == "webapp" and "api" in app.blueprints

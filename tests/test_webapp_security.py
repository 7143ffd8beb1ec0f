"""Security headers on every response, the Host allow-list and the Origin check on POSTs."""
import json
import re

import pytest

from webapp import create_app, security

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]
SAMPLE = {"strokes": [ONE], "label": "1"}


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers=headers)


def count_samples(app):
    from webapp import db

    with app.app_context():
        return db.count_samples(db.get_db())


@pytest.mark.parametrize("method, url, status", [
    ("get", "/", 200), ("get", "/how", 200), ("get", "/static/style.css", 200),
    ("get", "/static/app.js", 200), ("get", "/api/health", 200),
    ("get", "/api/openapi.json", 200), ("get", "/api/nope", 404), ("put", "/", 405),
    ("post", "/api/recognize", 415),
])
def test_every_response_carries_the_security_headers(client, method, url, status):
    r = getattr(client, method)(url)
    assert r.status_code == status
    for name, value in security.HEADERS.items():
        assert r.headers[name] == value
    r.close()


def test_the_csp_allows_no_inline_code_and_no_framing():
    directives = dict(d.split(" ", 1) for d in security.CSP.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in security.CSP


def test_pages_have_no_inline_script(client):
    for url in ("/", "/how"):
        html = client.get(url).get_data(as_text=True)
        scripts = html.split("<script")[1:]
        assert scripts and all(" src=" in s.split(">", 1)[0] for s in scripts), url
        assert not re.search(r"<[^>]*\son[a-z]+=", html) and "javascript:" not in html


def test_unexpected_errors_carry_the_headers_too(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("x")

    r = app.test_client().get("/boom")
    assert r.status_code == 500 and r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000",
                                  "LOCALHOST:5000"])
def test_localhost_names_are_allowed_by_default(client, host):
    r = client.get("/api/health", headers={"Host": host})
    assert r.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "localhost.evil.example",
                                  "127.0.0.2", "[::2]:80", "local host", ""])
def test_other_hosts_are_refused_400(client, host):
    r = client.get("/api/health", headers={"Host": host})
    assert r.status_code == 400
    assert "Host header not allowed" in r.get_json()["error"]
    assert r.headers["Content-Security-Policy"] == security.CSP


def test_allowed_hosts_is_configurable(recognizer, tmp_path):
    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "db.sqlite"),
                      "ALLOWED_HOSTS": ["digits.example", ".lan"]})
    client = app.test_client()
    for host, status in [("digits.example", 200), ("box.lan:8000", 200), ("lan", 200),
                         ("localhost", 400), ("evil.example", 400), ("evillan", 400)]:
        assert client.get("/api/health", headers={"Host": host}).status_code == status, host
    anyone = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                         "DATABASE": str(tmp_path / "db.sqlite"), "ALLOWED_HOSTS": ["*"]})
    assert anyone.test_client().get("/", headers={"Host": "x.y"}).status_code == 200


@pytest.mark.parametrize("origin", ["http://localhost", "http://localhost:80"])
def test_same_origin_post_is_accepted(app, client, origin):
    r = post(client, "/api/samples", SAMPLE, Origin=origin)
    assert r.status_code == 201
    assert count_samples(app) == 1


def test_same_origin_on_another_port(client):
    r = post(client, "/api/recognize", {"strokes": [ONE]}, Origin="http://127.0.0.1:8000",
             Host="127.0.0.1:8000")
    assert r.status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"}, {"Origin": "https://localhost"},
    {"Origin": "http://localhost:8001"}, {"Origin": "null"}, {"Origin": "file://"},
    {"Origin": "localhost"}, {"Sec-Fetch-Site": "cross-site"},
])
@pytest.mark.parametrize("url", ["/api/recognize", "/api/samples"])
def test_cross_origin_post_is_refused_403_and_not_stored(app, client, url, headers):
    r = post(client, url, SAMPLE, **headers)
    assert r.status_code == 403
    assert r.get_json() == {"error": "cross-origin request refused"}
    assert count_samples(app) == 0


def test_post_without_origin_is_a_non_browser_client_and_accepted(client):
    assert post(client, "/api/samples", SAMPLE).status_code == 201


@pytest.mark.parametrize("value, expected", [
    ("localhost", ("localhost", 80)), ("LocalHost:8000", ("localhost", 8000)),
    ("[::1]:8000", ("::1", 8000)), ("[::1]", ("::1", 80)), ("::1", ("::1", 80)),
    ("a:b", None), ("[::1]x", None), ("", None),
])
def test_split_host(value, expected):
    assert security.split_host(value) == expected

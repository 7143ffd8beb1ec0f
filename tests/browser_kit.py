"""Shared pieces of the browser tests: ``inkdigits serve`` on a free port, Debian's Chromium
through Playwright, pages served under a strict Content-Security-Policy, and pen input.

A test module imports the fixtures it uses (``from browser_kit import server, browser``):
each module gets one server and one browser. Without /usr/bin/chromium the tests skip
locally and FAIL in CI (``CI=true``). Tests that assert the number read need the shipped
model (or ``INKDIGITS_TEST_MODEL=path``); without it the server runs a tiny untrained model.
Screenshots for people go to ``test-artifacts/``; ``INKDIGITS_DOCS=1`` refreshes the
ones under ``docs/``.
"""
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHIPPED_MODEL = ROOT / "recognizer" / "models" / "digits.keras"
TRAINED_MODEL = os.environ.get("INKDIGITS_TEST_MODEL")  # e.g. a checkpoint, instead of shipped
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
# The policy the app is to send (webapp hardening): our pages must work under it.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Console lines that report a CSP violation (Chromium also logs them as errors).
_REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) =>
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));"""


def require_browser():
    """Skip (or fail in CI) when Chromium or Playwright is missing."""
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing (pip install playwright)"
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    if reason:
        pytest.skip(reason)


def need_shipped_model(server):
    if not server.shipped:
        pytest.skip(f"{SHIPPED_MODEL} is missing: reading the number needs the trained model")


# --- the server --------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post_json(url, body):
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status


def _wait_first_answer(proc, url, log, timeout=180):
    """Seconds until the server answers a recognition request; fails if it dies first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            pytest.fail(f"inkdigits serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if _post_json(url + "api/recognize", '{"strokes": [[[1, 1], [1, 50]]]}') == 200:
                return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"inkdigits serve gave no answer in {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """``python -m inkdigits serve`` on a free port (shipped model if present), and its DB."""
    require_browser()
    tmp = tmp_path_factory.mktemp("serve")
    port, database, log = _free_port(), tmp / "samples.sqlite", tmp / "serve.log"
    cmd = [sys.executable, "-m", "inkdigits", "serve", "--port", str(port),
           "--database", str(database)]
    shipped = bool(TRAINED_MODEL) or SHIPPED_MODEL.is_file()
    if TRAINED_MODEL or not shipped:
        # the tiny model only when needed: building it imports Keras here (seconds)
        cmd += ["--model", TRAINED_MODEL or str(request.getfixturevalue("tiny_model_path"))]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        startup = _wait_first_answer(proc, url, log)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "serve-startup.txt").write_text(
            f"inkdigits serve: first answer {startup:.1f} s after start (shipped model: {shipped})\n")
        yield SimpleNamespace(url=url, database=database, shipped=shipped, startup_s=startup)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def _with_csp(route):
    """Serve documents with the strict CSP header added; other requests pass untouched."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    route.fulfill(response=response,
                  headers={**response.headers, "content-security-policy": CSP})


def new_page(browser, server, path="", viewport=DESKTOP, dark=False, touch=False, scale=2):
    """A page under the strict CSP; returns (page, errors) where errors collects page errors,
    console errors and CSP violations."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale,
                                  is_mobile=touch, has_touch=touch,
                                  color_scheme="dark" if dark else "light")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url[:-1])
    context.route("**/*", _with_csp)
    context.add_init_script(_REPORT_CSP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(server.url + path)
    page.wait_for_function("() => customElements.get('ink-number') !== undefined")
    page.errors = errors  # for a test that provokes an error on purpose
    return page, errors


# --- pen input ---------------------------------------------------------------------------

def number_170(x0, y0, h):
    """Strokes of "170" in canvas pixels, ``h`` tall: a bar, a 7 in two strokes, an ellipse."""
    one = [(x0, y0), (x0, y0 + h)]
    seven = [[(x0 + 0.55 * h, y0), (x0 + 1.15 * h, y0)],
             [(x0 + 1.15 * h, y0), (x0 + 0.95 * h, y0 + 0.5 * h), (x0 + 0.8 * h, y0 + h)]]
    cx, cy = x0 + 1.8 * h, y0 + 0.5 * h
    zero = [(cx + 0.3 * h * math.sin(a * math.pi / 12), cy - 0.5 * h * math.cos(a * math.pi / 12))
            for a in range(26)]
    return [[one], seven, [zero]]  # grouped by digit


def flat(digits):
    return [s for digit in digits for s in digit]


def zigzag(x0, y0, x1, y1, turns=6):
    """A scratch-out: a dense left-right zig-zag filling the box, ``turns`` sharp turns."""
    n = turns + 1
    return [(x0 if k % 2 == 0 else x1, y0 + (y1 - y0) * k / n) for k in range(n + 1)]


def pad_box(page, selector="ink-number"):
    return page.locator(f"{selector} >> .pad").bounding_box()


def _steps(p, q):
    """Moves for a segment: one per ~25 px, as a hand's pointer events come (each costs a
    round trip to the browser, so no more)."""
    return max(1, round(math.dist(p, q) / 25))


def draw_mouse(page, strokes, selector="ink-number"):
    """Draw strokes (canvas pixels) with mouse moves: pointerType "mouse"."""
    box = pad_box(page, selector)
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for p, (x, y) in zip(stroke, stroke[1:]):
            page.mouse.move(box["x"] + x, box["y"] + y, steps=_steps(p, (x, y)))
        page.mouse.up()


def draw_touch(page, cdp, strokes, selector="ink-number"):
    """Draw strokes with CDP touch events: pointerType "touch"."""
    def touch(kind, points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    for stroke in strokes:
        # Where the pad is now: a reading that arrives between two strokes can move it
        # (a second row of alternatives on a phone), and a hand follows what it sees.
        box = pad_box(page, selector)
        touch("touchStart", [{"x": box["x"] + stroke[0][0], "y": box["y"] + stroke[0][1]}])
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            n = _steps((x0, y0), (x1, y1))
            for k in range(1, n + 1):
                x, y = x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n
                touch("touchMove", [{"x": box["x"] + x, "y": box["y"] + y}])
        touch("touchEnd", [])
        # Let the page take the pen-up (and lay out any answer) before the next touch.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wait_reading(page, selector="ink-number"):
    """Wait until the element shows the answer to its latest ink; returns its value."""
    # Predicates are functions, not strings: Playwright evals strings, which the CSP forbids.
    page.wait_for_function("(s) => !document.querySelector(s).busy", arg=selector,
                           timeout=15_000)
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).value")


def shown_number(page, selector="ink-number"):
    """The number as the reading shows it (digits and ? marks, no spaces)."""
    return page.locator(f"{selector} >> .number").inner_text().replace("\n", "").replace(" ", "")


def stroke_count(page, selector="ink-number"):
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).strokes.length")


def fake_recognition(page, answer):
    """Answer every POST /api/recognize with ``answer`` (a dict), as the model might."""
    page.route("**/api/recognize", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))


def digit(label, probs, bbox, strokes):
    """An API digit object with ``probs`` (10 numbers; their shortfall from 1 is rejection)."""
    return {"label": label, "confidence": probs[label], "probabilities": probs,
            "bbox": bbox, "strokes": strokes}


def axe_violations(page):
    """axe-core (vendored, tests/vendor) on the page: serious and critical violations."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # via CDP: not blocked by the CSP
    found = page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " +
                                                              n.failureSummary) })); }""")
    return found


def shot(page, name, full_page=False, docs=False):
    """Save a screenshot (CSS pixels, so it stays small) to test-artifacts/``name``; with
    ``docs`` and ``INKDIGITS_DOCS=1`` also to docs/``name``, the copy the README shows."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page, scale="css")
    if docs and os.environ.get("INKDIGITS_DOCS") == "1":
        page.screenshot(path=str(ROOT / "docs" / name), full_page=full_page, scale="css")

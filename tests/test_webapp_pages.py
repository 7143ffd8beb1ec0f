"""The HTML pages through Flask's test client: what they serve, and that nothing in them
needs 'unsafe-inline' under a strict Content-Security-Policy (no inline script, style
attribute or event handler). The browser tests check the same pages in Chromium."""
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "webapp" / "static"
PAGES = ["/", "/how", "/demo", "/demo?who=Ada&amount=170"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_no_inline_script_or_style(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<style[ >]", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert "data:" not in html                      # img-src 'self' has no data: URLs


def test_the_draw_page_is_the_element_wired_to_the_api(client):
    html = client.get("/").get_data(as_text=True)
    tag = re.search(r"<ink-number[^>]*>", html).group(0)
    assert 'recognize-url="/api/recognize"' in tag and 'samples-url="/api/samples"' in tag
    assert "global-shortcuts" in tag and 'name="number"' in tag


def test_the_demo_form_shows_what_it_sent_escaped(client):
    html = client.get("/demo?who=%3Cb%3EAda%3C/b%3E&amount=170").get_data(as_text=True)
    assert re.search(r'<form class="demo" action="/demo" method="get">', html)
    assert re.search(r'<ink-number id="amount" name="amount" required', html)
    assert "<dt>amount</dt><dd>170</dd>" in html
    assert "<dd>&lt;b&gt;Ada&lt;/b&gt;</dd>" in html
    assert 'id="sent"' not in client.get("/demo").get_data(as_text=True)


def test_the_element_is_served_as_a_javascript_module(client):
    r = client.get("/static/ink-number.js")
    assert r.status_code == 200 and r.mimetype in ("text/javascript", "application/javascript")
    source = r.get_data(as_text=True)
    assert "static formAssociated = true" in source
    assert re.findall(r"^\s*import\b", source, re.M) == []          # no dependencies
    assert 'customElements.define("ink-number"' in source


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_scripts_set_no_style_attributes_or_inline_markup(name):
    # innerHTML with style="" or on*= would be blocked by style-src/script-src 'self'.
    source = (STATIC / name).read_text(encoding="utf-8")
    assert re.findall(r"style\s*=\s*[\"']", source) == []
    assert re.findall(r"\son[a-z]+\s*=\s*[\"']", source) == []
    assert "setAttribute(\"style\"" not in source and "eval(" not in source

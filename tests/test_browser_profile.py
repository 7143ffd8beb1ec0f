"""The page's profile in Chromium (issue 12, item 5): a correction says what it learnt
("learnt: your 7") and the very next reading uses it; another browser is unaffected;
"Forget my handwriting" deletes it."""
import json

import pytest
from shapes import short_bar_seven

from browser_kit import browser, need_shipped_model, new_page, server, wait_reading  # noqa: F401


def seven(x, y, h=150.0, bar=0.12, lean=0.0):
    """``shapes.short_bar_seven`` in canvas pixels: the shared model reads a 1."""
    return [s.round(1).tolist() for s in short_bar_seven(x, h, bar, lean, y)]


@pytest.fixture
def open_page(browser, server):
    pages = []

    def make():
        pg, errors = new_page(browser, server)
        pages.append((pg, errors))
        return pg

    yield make
    for pg, errors in pages:
        pg.context.close()
        assert errors == []


def read(page, strokes):
    page.evaluate("(s) => { document.querySelector('ink-number').strokes = s; }",
                  json.loads(json.dumps(strokes)))
    return wait_reading(page)


def status(page):
    """The profile's status line, once the page has asked the server for the profile."""
    page.wait_for_selector("#profile-status[data-loaded='true']")
    return page.locator("#profile-status").inner_text()


def test_a_correction_is_learnt_used_at_once_kept_to_this_browser_and_forgotten(open_page,
                                                                                 server):
    need_shipped_model(server)
    mine, theirs = open_page(), open_page()
    assert "Nothing learnt yet" in status(mine)
    assert not mine.locator("#forget").is_visible()
    assert read(mine, seven(120, 60)) == "1"
    mine.locator("ink-number >> .dig[data-i='0']").click()
    mine.locator("ink-number >> .fix .choice[data-d='7']").click()
    mine.wait_for_selector("ink-number >> .msg[data-tone='ok']")
    assert mine.locator("ink-number >> .msg").inner_text() == "Saved “7” — learnt: your 7."
    assert status(mine) == "Readings use your handwriting: learnt from 1 correction."
    assert mine.locator("#forget").is_visible()
    cookie, = [c for c in mine.context.cookies() if c["name"] == "inkdigits_profile"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert mine.evaluate("document.cookie") == ""           # out of the page's scripts' reach
    # the very next drawing is read in this writer's hand; another browser's is not
    assert read(mine, seven(300, 80, 120, 0.1, 0.05)) == "7"
    assert read(theirs, seven(300, 80, 120, 0.1, 0.05)) == "1"
    theirs.reload()
    assert "Nothing learnt yet" in status(theirs)
    # a reload keeps the profile (the cookie); forgetting it reads as the shared model
    mine.reload()
    mine.wait_for_function("() => !document.querySelector('#forget').hidden")
    mine.locator("#forget").click()
    mine.wait_for_function(
        "() => document.querySelector('#profile-status').textContent.startsWith('Forgotten')")
    assert not mine.locator("#forget").is_visible()
    assert mine.evaluate("document.activeElement.id") == "profile-status"
    assert read(mine, seven(300, 80, 120, 0.1, 0.05)) == "1"
    cookies = mine.context.cookies()
    assert not [c for c in cookies if c["name"] == "inkdigits_profile"]

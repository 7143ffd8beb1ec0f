"""``<ink-number>`` embedded in an ordinary form (the /demo page), in Debian's Chromium under
the strict CSP (browser_kit): form association, validity, reset, events, attributes.
Issue 14 item 5."""
import json
from urllib.parse import parse_qs, urlparse

import pytest

from browser_kit import (axe_violations, browser, digit, draw_mouse, fake_recognition,  # noqa: F401
                         flat, need_shipped_model, new_page, number_170, server, stroke_count,
                         wait_reading)

EVENTS = """() => { window.events = [];
    const el = document.querySelector('ink-number');
    for (const type of ['input', 'change', 'ink', 'correction'])
        el.addEventListener(type, (e) => window.events.push([type, el.value])); }"""
VALUE = "document.querySelector('ink-number').value"


@pytest.fixture
def demo(browser, server):
    pg, errors = new_page(browser, server, "demo")
    yield pg
    pg.context.close()
    assert errors == []


def sent(page):
    """The query the form was submitted with, as {name: [values]}."""
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


def one_digit(label):
    probs = [0.0] * 10
    probs[label] = 0.97
    return {"text": str(label), "score": -0.03, "alternatives": [{"text": "1", "score": -4}],
            "digits": [digit(label, probs, [60, 60, 70, 200], [0])]}


def test_a_drawn_number_is_submitted_with_the_form(demo, server):
    need_shipped_model(server)
    demo.fill("#who", "Ada")
    draw_mouse(demo, flat(number_170(60, 40, 110)))
    assert wait_reading(demo) == "170"
    demo.click("button[type=submit]")
    demo.wait_for_selector("#sent")
    assert sent(demo) == {"who": ["Ada"], "amount": ["170"]}
    assert "amount170" in demo.locator("#sent").inner_text().replace("\n", "").replace(" ", "")


def test_required_blocks_an_empty_form_and_a_typed_number_is_sent(demo, server):
    demo.click("button[type=submit]")
    assert demo.evaluate("document.querySelector('ink-number').validity.valueMissing")
    assert demo.evaluate("document.querySelector('ink-number').validationMessage") == \
        "Write or type a number."
    assert demo.evaluate("document.querySelector('form').checkValidity()") is False
    assert "amount" not in demo.url                           # the browser did not submit
    field = demo.locator("ink-number >> #typed")
    field.fill("12x")
    assert demo.evaluate("document.querySelector('ink-number').validity.badInput")
    field.fill("4096")
    field.press("Enter")                                      # Enter submits, as in any input
    demo.wait_for_selector("#sent")
    assert sent(demo)["amount"] == ["4096"]


def test_input_change_and_reset(demo, server):
    fake_recognition(demo, one_digit(7))
    demo.evaluate(EVENTS)
    draw_mouse(demo, [[(65, 60), (65, 200)]])
    assert wait_reading(demo) == "7"
    assert demo.evaluate("window.events") == [["ink", ""], ["input", "7"]]
    demo.wait_for_function("() => window.events.some(([type]) => type === 'change')")
    assert demo.evaluate("window.events").pop() == ["change", "7"]
    form_value = "new FormData(document.querySelector('form')).get('amount')"
    assert demo.evaluate(form_value) == "7"
    demo.click("button[type=reset]")
    assert demo.evaluate(VALUE) == "" and stroke_count(demo) == 0
    assert demo.evaluate(form_value) is None
    assert demo.evaluate("document.querySelector('ink-number').validity.valueMissing")
    demo.evaluate("window.events = []")
    demo.locator("ink-number >> #typed").fill("42")          # one input event, the host's own
    assert demo.evaluate("window.events") == [["input", "42"]]
    assert demo.evaluate(form_value) == "42"


def test_recognize_url_and_the_correction_hook(demo, server):
    demo.evaluate("""() => { const el = document.querySelector('ink-number');
        el.setAttribute('recognize-url', '/elsewhere/read');
        el.setAttribute('samples-url', '/elsewhere/samples');
        el.addEventListener('correction', (e) => { e.detail.body.profile = 'p1'; }); }""")
    demo.route("**/elsewhere/read", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(one_digit(7))))
    posted = []

    def store(route):
        posted.append(route.request.post_data_json)
        route.fulfill(status=201, content_type="application/json",
                      body='{"id": 1, "label": "1", "predicted": "7", "model_version": "x"}')

    demo.route("**/elsewhere/samples", store)
    draw_mouse(demo, [[(65, 60), (65, 200)]])
    assert wait_reading(demo) == "7"
    demo.locator("ink-number >> .alts button[data-text='1']").click()
    demo.wait_for_selector("ink-number >> .msg[data-tone='ok']")
    assert len(posted) == 1
    assert posted[0]["label"] == "1" and posted[0]["predicted"] == "7"
    assert posted[0]["profile"] == "p1" and len(posted[0]["strokes"]) == 1
    # A listener that stores the sample itself cancels the element's own POST.
    demo.evaluate("""() => document.querySelector('ink-number').addEventListener(
        'correction', (e) => { window.taken = e.detail.label; e.preventDefault(); })""")
    demo.locator("ink-number >> .dig[data-i='0']").click()
    demo.locator("ink-number >> .fix .choice[data-d='9']").click()
    assert demo.evaluate("window.taken") == "9" and demo.evaluate(VALUE) == "9"
    assert len(posted) == 1


def test_shortcuts_stay_inside_the_element_on_a_host_page(demo, server):
    fake_recognition(demo, one_digit(1))
    draw_mouse(demo, [[(65, 60), (65, 200)]])
    wait_reading(demo)
    demo.fill("#who", "Ada")
    demo.locator("#who").press("Control+z")                  # the host's field: its own undo
    assert stroke_count(demo) == 1
    demo.locator("ink-number >> .clear").focus()
    demo.keyboard.press("Escape")                            # focus inside: the keys work
    assert stroke_count(demo) == 0
    demo.keyboard.press("Control+z")                         # focus stayed in the element
    assert stroke_count(demo) == 1
    demo.keyboard.press("Control+y")
    assert stroke_count(demo) == 0


def test_disabled_takes_no_ink_and_sends_nothing(demo, server):
    demo.evaluate("document.querySelector('ink-number').setAttribute('disabled', '')")
    draw_mouse(demo, [[(65, 60), (65, 200)]])
    assert stroke_count(demo) == 0
    assert demo.locator("ink-number >> #typed").is_disabled()
    assert demo.locator("ink-number >> .clear").is_disabled()
    demo.evaluate("document.querySelector('ink-number').removeAttribute('disabled')")
    demo.locator("ink-number >> #typed").fill("5")
    assert demo.evaluate(VALUE) == "5"


def test_the_demo_page_passes_axe(demo, server):
    assert demo.locator("h1").count() == 1
    assert axe_violations(demo) == []
    fake_recognition(demo, one_digit(3))
    draw_mouse(demo, [[(65, 60), (65, 200)]])
    wait_reading(demo)
    assert axe_violations(demo) == []

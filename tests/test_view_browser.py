"""The live view in a real headless Chromium (Debian's chromium; skipped when it is not installed).

A scripted session (the fakes of session_fakes.py, the real view and the real GuidedBreather on
the wall clock) is held at the consent step, watched through the breathing, and read at the
summary; screenshots are taken at each, and the page's text at that moment is checked.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import pytest
from browser import Browser, chromium_path, screen_text
from view_rig import SAMPLER, circle_errors, view_rig

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")

TEXT = "document.body.innerText"


def assert_on_screen(png: Path, *phrases: str) -> None:
    """The phrases are in the screenshot itself, read back by OCR (when tesseract is installed)."""
    seen = screen_text(png)
    if seen is not None:
        for phrase in phrases:
            assert phrase in seen, (phrase, seen)


@pytest.fixture()
def browser():  # type: ignore[no-untyped-def]
    b = Browser()
    yield b
    b.close()


def visible_text(b: Browser) -> str:
    return str(b.evaluate(TEXT))


def test_consent_breathing_and_summary_on_the_page(browser: Browser, tmp_path: Path) -> None:
    rig = view_rig(hold=["consent.ask", "regulate.intro"])
    assert rig.view is not None
    browser.navigate(rig.view.url)
    browser.wait_for("document.getElementById('prompt')?.textContent.includes('Getting ready')")
    rig.start()

    # Consent: the question in large type, the path at its first step.
    assert rig.speaker.reached["consent.ask"].wait(30)
    browser.wait_for("document.getElementById('prompt').textContent.includes('Alex, are you open')")
    shot = browser.screenshot(tmp_path / "consent.png")
    text = visible_text(browser)
    assert "Alex, are you open to talking about this now?" in text and "Speaking" in text
    assert browser.evaluate("document.querySelector('[aria-current=step]').textContent") == "Agree to talk"
    assert browser.evaluate("document.getElementById('prompt').getAttribute('aria-live')") == "polite"
    assert shot.stat().st_size > 5000
    assert_on_screen(shot, "are you open to talking", "Agree to talk", "Speaking")
    rig.speaker.release("consent.ask")

    # Breathing: the circle follows the schedule of the audio timeline.
    assert rig.speaker.reached["regulate.intro"].wait(30)
    browser.evaluate(SAMPLER)
    rig.speaker.release("regulate.intro")
    browser.wait_for("!document.getElementById('breathing').hidden", 30)
    browser.wait_for("document.getElementById('phase').textContent === 'Breathe out'", 30)
    shot = browser.screenshot(tmp_path / "breathing.png")
    text = visible_text(browser)
    assert "Breathe out" in text and "left" in text and "Breathing" in text
    assert_on_screen(shot, "Breathe out", "left")
    browser.wait_for("document.getElementById('breathing').hidden", 60)
    plan = rig.pacer.plans[0]
    # The size the page sets at each frame, against the schedule at that moment. (What is on
    # screen also lags by a frame, more on a busy machine: scripts/bench_view.py reports both.)
    errors = circle_errors(plan, rig.pacer.shown, browser.evaluate("window.__computed"))
    assert len(errors) > 100, "too few frames sampled inside inhales and exhales"
    assert max(abs(e) for e in errors) < 0.100, (min(errors), max(errors))
    assert len(browser.evaluate("window.__drawn")) > 100

    # The summary, at the end.
    outcome = rig.join()
    browser.wait_for("!document.getElementById('summary').hidden", 30)
    shot = browser.screenshot(tmp_path / "summary.png")
    assert_on_screen(shot, "Summary", "You both felt complete", "Reflections")
    text = visible_text(browser)
    assert "Summary" in text and "You both felt complete." in text
    assert "Alex" in text and "Jo" in text and "Reflections" in text and "Breathing breaks" in text
    share = round(outcome.summary.talk_share("Alex") * 100)
    assert f"{share}%" in text
    assert browser.evaluate("document.querySelectorAll('.bar .fill').length") == 2

    # Nothing left the machine: every request went to the view's own address.
    origin = urllib.parse.urlsplit(rig.view.url)
    urls = browser.requested_urls() + browser.evaluate(
        "[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]")
    assert urls
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", origin.port), url
    rig.view.close()


def test_a_reload_shows_the_current_state_and_the_session_goes_on(browser: Browser) -> None:
    rig = view_rig(hold=["first.ask"], breathing_minutes=0.1)
    assert rig.view is not None
    rig.start()
    assert rig.speaker.reached["first.ask"].wait(60)
    browser.navigate(rig.view.url)
    browser.wait_for("document.getElementById('prompt')?.textContent.includes('Who would like')"
                     " || document.getElementById('prompt')?.dataset.promptId === 'first.ask'")
    assert browser.evaluate("document.querySelector('[aria-current=step]').textContent") == "Who goes first"
    browser.call("Page.reload")
    browser.wait_for("document.getElementById('prompt')?.dataset.promptId === 'first.ask'")
    browser.call("Page.navigate", url="about:blank")  # the page goes away
    rig.speaker.release("first.ask")
    outcome = rig.join()
    assert outcome.kind.value == "complete"
    rig.view.close()


def test_the_pause_button_acts_like_saying_pause(browser: Browser) -> None:
    rig = view_rig(hold=["intent.reminder"], breathing_minutes=0.1)
    assert rig.view is not None
    rig.start()
    assert rig.speaker.reached["intent.reminder"].wait(60)
    browser.navigate(rig.view.url)
    browser.wait_for("!document.getElementById('buttons')?.hidden")
    browser.evaluate("document.getElementById('pause').click()")
    time.sleep(0.3)
    rig.speaker.release("intent.reminder")
    browser.wait_for("!document.getElementById('resume').hidden", 30)
    assert "commands.paused" in [p for p, _, _ in rig.speaker.said]
    browser.evaluate("document.getElementById('resume').click()")
    outcome = rig.join()
    said = [p for p, _, _ in rig.speaker.said]
    assert said.index("commands.paused") < said.index("commands.resumed")
    commands = [json.loads(line)["command"] for line in rig.log.to_jsonl().splitlines()
                if json.loads(line)["type"] == "command"]
    assert commands == ["pause", "resume"]
    assert outcome.kind.value == "complete"
    rig.view.close()

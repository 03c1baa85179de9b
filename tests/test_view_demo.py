"""`facilitator demo --view`: the page follows the real demo, and the demo says and hears the same.

Two runs of the demo (about half a minute each on 2 cores): one plain, one with --view and a
headless Chromium on the page. The demo without --out would play in real time on a speaker;
with --out it runs as fast as it computes, and the page follows as fast as the events come (the
breathing then passes in an instant, so the mid-breathing screenshot is in test_view_browser.py).
"""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, chromium_path, screen_text
from click.testing import CliRunner

import facilitator.view
from facilitator.cli import main

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")


def run_demo_cli(out: Path, home: Path, args: list[str]) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACILITATOR_HOME", str(home))
        return CliRunner().invoke(main, ["demo", "--out", str(out), *args], obj={})


def test_the_page_follows_the_demo_and_the_transcript_is_the_same(tmp_path: Path) -> None:
    views: list[facilitator.view.LiveView] = []
    attach = facilitator.view.attach_view

    def noting(*args: Any, **kwargs: Any) -> facilitator.view.LiveView:
        views.append(attach(*args, **kwargs))
        return views[-1]

    results: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facilitator.view, "attach_view", noting)
        thread = threading.Thread(target=lambda: results.append(
            run_demo_cli(tmp_path / "with", tmp_path / "home1", ["--view", "--no-browser"])), daemon=True)
        thread.start()
        browser = Browser()
        try:
            browser.wait_for("true")
            for _ in range(600):
                if views:
                    break
                thread.join(0.1)
            browser.navigate(views[0].url)
            at_consent = "document.getElementById('prompt')?.dataset.promptId === 'consent.ask'"
            browser.wait_for(at_consent, 240, 0.02)
            consent = browser.screenshot(tmp_path / "demo-consent.png")
            text = str(browser.evaluate("document.body.innerText"))
            assert "are you open" in text or "good time" in text
            step = browser.evaluate("document.querySelector('[aria-current=step]').textContent")
            assert step == "Agree to talk"
            browser.wait_for("!document.getElementById('summary')?.hidden", 300)
            summary = browser.screenshot(tmp_path / "demo-summary.png")
            text = str(browser.evaluate("document.body.innerText"))
            assert "You both felt complete." in text and "Sam" in text and "Alex" in text
            for shot, phrase in ((consent, "Agree to talk"), (summary, "You both felt complete")):
                seen = screen_text(shot)  # the screenshot itself, read back by OCR
                assert seen is None or phrase in seen, (phrase, seen)
            port = urllib.parse.urlsplit(views[0].url).port
            for url in browser.requested_urls():
                assert urllib.parse.urlsplit(url)[:2] == ("http", f"127.0.0.1:{port}"), url
        finally:
            browser.close()
        thread.join(300)
    with_view = results[0]
    assert with_view.exit_code == 0, with_view.output
    assert f"Live view: http://127.0.0.1:{urllib.parse.urlsplit(views[0].url).port}/" in with_view.output

    plain = run_demo_cli(tmp_path / "without", tmp_path / "home2", [])
    assert plain.exit_code == 0, plain.output
    transcript = (tmp_path / "with" / "transcript.txt").read_text()
    assert transcript == (tmp_path / "without" / "transcript.txt").read_text()

"""The live view without a browser: private server, state from the event log, buttons, --html."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.sessionlog import Completed, PromptSpoken, SessionLog, StepEntered, UtteranceHeard
from facilitator.state import SessionState, StateStore, Step
from facilitator.summary import summarize
from facilitator.view import attach_view
from facilitator.view.report import summary_html
from facilitator.view.server import CSP


def status(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture()
def view():  # type: ignore[no-untyped-def]
    log = SessionLog()
    v = attach_view(log, open_browser=False, announce=lambda _: None)
    yield v, log
    v.close()


def test_without_the_token_everything_is_forbidden(view) -> None:  # type: ignore[no-untyped-def]
    v, _ = view
    base = f"http://127.0.0.1:{v.server.port}/"
    assert status(v.url) == 200 and status(v.url + "view.js") == 200 and status(v.url + "events?x") == 200
    wrong = v.server.token[:-1] + ("a" if v.server.token[-1] != "a" else "b")
    for url in (base, base + "view.js", base + "state", base + "events", base + wrong + "/",
                base + wrong + "/state", base + "favicon.ico"):
        assert status(url) == 403, url
    assert status(base + wrong + "/command", b'{"command": "stop"}') == 403
    assert len(v.server.token) >= 32


def test_bound_to_localhost_only_on_a_random_port(view) -> None:  # type: ignore[no-untyped-def]
    v, _ = view
    assert v.server.httpd.server_address[0] == "127.0.0.1"
    assert v.url.startswith(f"http://127.0.0.1:{v.server.port}/")
    other = attach_view(None, open_browser=False, announce=lambda _: None)
    try:
        assert other.server.port != v.server.port and other.server.token != v.server.token
    finally:
        other.close()
    # Not reachable on the machine's other addresses.
    addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in addresses - {"127.0.0.1"}:
        with pytest.raises(OSError):
            socket.create_connection((address, v.server.port), timeout=1).close()


def test_every_answer_carries_the_policy_that_forbids_other_addresses(view) -> None:  # type: ignore[no-untyped-def]
    v, _ = view
    with urllib.request.urlopen(v.url, timeout=5) as r:
        assert r.headers["Content-Security-Policy"] == CSP
        page = r.read().decode()
    assert "default-src 'none'" in CSP and "connect-src 'self'" in CSP and "script-src 'self'" in CSP
    assert "http" not in page.replace('lang="en"', "")  # no absolute address in the page at all
    for asset in ("view.js", "view.css"):
        with urllib.request.urlopen(v.url + asset, timeout=5) as r:
            body = r.read().decode()
        assert "http://" not in body and "https://" not in body


def test_state_follows_the_log_and_keeps_no_words_the_log_does_not(view) -> None:  # type: ignore[no-untyped-def]
    v, log = view
    log.append(StepEntered(1.0, "share", 2, "Alex", "Jo"))
    v.state.prompt_started("share.invite", "Alex, when you're ready, tell Jo.", time.time())
    log.append(UtteranceHeard(2.0, "Alex", 0.0, 3.0, 7, None))
    with urllib.request.urlopen(v.url + "state", timeout=5) as r:
        state = json.load(r)
    assert state["step"] == "share" and state["round"] == 2
    assert state["sharer"] == "Alex" and state["listener"] == "Jo"
    assert state["activity"] == "speaking" and state["prompt"]["text"].startswith("Alex, when")
    assert state["heard"] == {"speaker": "Alex", "words": 7, "text": None}
    log.append(PromptSpoken(3.0, "share.invite", "Alex, when you're ready, tell Jo.", 1.0))
    assert v.state.get("prompt")["done"] is True
    log.append(Completed(9.0, "complete", "done"))
    assert v.state.get("activity") == "ended"


def test_a_new_page_gets_the_current_state_first_then_changes(view) -> None:  # type: ignore[no-untyped-def]
    v, log = view
    log.append(StepEntered(1.0, "consent", 1))
    lines: list[str] = []

    def read() -> None:
        with urllib.request.urlopen(v.url + "events", timeout=10) as r:
            while len([x for x in lines if x.startswith("data:")]) < 2:
                lines.append(r.readline().decode())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    v.state.prompt_started("consent.ask", "Alex, are you open?", time.time())
    reader.join(5)
    data = [json.loads(x[5:]) for x in lines if x.startswith("data:")]
    assert data[0]["step"] == "consent" and data[0]["prompt"] is None
    assert data[1]["prompt"]["text"] == "Alex, are you open?"


def test_buttons_are_heard_as_the_spoken_commands(view) -> None:  # type: ignore[no-untyped-def]
    v, _ = view

    class Quiet:
        def hear(self, timeout_s: float) -> None:
            return None

        def ignore_pending(self, tail_s: float) -> None:
            pass

    listener = v.listener(Quiet())
    def post(command: str) -> int:
        return status(v.url + "command", json.dumps({"command": command}).encode())

    assert post("pause") == 200
    heard = listener.hear(1.0)
    assert heard is not None and heard.text == "pause" and heard.speaker is None
    assert post("resume") == 409  # not paused: nothing to resume
    assert post("launch") == 409
    assert post("break") == 200 and listener.hear(1.0).text == "i need a break"  # type: ignore[union-attr]
    v.state.update(activity="breathing")
    assert post("repeat") == 409  # during the breathing only "stop" acts, as when spoken


def test_no_browser_prints_the_address_and_needs_view() -> None:
    result = CliRunner().invoke(main, ["breathe", "--no-browser"])
    assert result.exit_code == 1 and "--no-browser goes with --view" in result.output
    result = CliRunner().invoke(main, ["breathe", "--view", "--json"])
    assert result.exit_code == 1 and "leave out --out and --json" in result.output


def test_summary_html_is_one_self_contained_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACILITATOR_HOME", str(tmp_path))
    state = SessionState(step=Step.DONE, names=("Alex", "Jo"), talk_s={"Alex": 60.0, "Jo": 40.0},
                         reminders={"Jo": 1}, reflections_first_time=1, reflections_after_retries=1,
                         breaks=1, outcome="complete", elapsed_s=754.0)
    StateStore().save(state)
    out = tmp_path / "summary.html"
    result = CliRunner().invoke(main, ["summary", "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "You both felt complete." in page and "60%" in page and "40%" in page
    assert "12 min 34 s" in page and "No words were kept." in page
    assert "default-src 'none'" in page and "<script" not in page and "src=" not in page
    assert "href=" not in page and "url(" not in page


def test_summary_html_has_the_words_only_when_kept(tmp_path: Path) -> None:
    kept = tmp_path / "transcript.txt"
    kept.write_text("[00:05] Alex: I felt alone that evening.\n")
    with_words = summarize(SessionState(names=("Alex", "Jo"), transcript_path=str(kept)))
    from facilitator.view.report import write_summary_html

    out = tmp_path / "s.html"
    write_summary_html(out, with_words)
    assert "I felt alone that evening." in out.read_text() and out.stat().st_mode & 0o077 == 0
    assert "I felt alone" not in summary_html(summarize(SessionState(names=("Alex", "Jo"))))


def test_without_a_graphical_browser_the_address_is_printed_and_nothing_takes_the_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    lines: list[str] = []
    v = attach_view(None, open_browser=True, announce=lines.append)
    try:
        assert lines[0] == f"Live view: {v.url}"
        assert "No graphical browser" in lines[1]
    finally:
        v.close()


def test_the_view_state_counts_what_the_log_says() -> None:
    from facilitator.sessionlog import BreakTaken, CommandHeard, DeviceEvent, ReflectionJudged, ReminderGiven
    from facilitator.view.state import ViewState

    changes: list[str] = []
    state = ViewState(on_change=changes.append)
    for event in (StepEntered(0.0, "reflect", 2, "Jo", "Alex"), ReminderGiven(1.0, "Alex", "Jo"),
                  ReflectionJudged(2.0, "Alex", 1, False, 0.2, "missed"),
                  ReflectionJudged(3.0, "Alex", 2, True, 0.8, "ok"), CommandHeard(4.0, "pause", None),
                  BreakTaken(5.0, "breathing", 1.0), DeviceEvent(6.0, "lost", "gone")):
        state.event(event)
    _, _, data = state.snapshot()
    assert data["counts"] == {"reminders": 1, "reflections": 2, "landed": 1, "breaks": 1}
    assert data["paused"] is True and data["round"] == 2 and data["step_name"] == "Reflect back"
    assert data["notes"] == ["The microphone was lost."]
    state.event(CommandHeard(7.0, "resume", None))
    assert state.get("paused") is False
    assert changes and set(changes) == {"state"}


def test_rehearse_shows_the_view_too() -> None:
    result = CliRunner().invoke(main, ["rehearse", "--text", "--view", "--no-browser"], input="no\nskip\n")
    assert result.exit_code == 0, result.output
    assert "Live view: http://127.0.0.1:" in result.output
    assert "Rehearsal summary" in result.output

"""`facilitator session --text` end to end through click, `facilitator summary`, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from facilitator.cli import main
from facilitator.clock import FakeClock
from facilitator.state import StateStore, Step

OPENING = """\
Alex: Hi, I'm Alex.
Jo: Hello, I'm Jo.
Alex: yes
Jo: yes
Alex: me
"""
ALEX_TURN = """\
Alex: I felt hurt and alone when you came home late without calling.
Alex: that's it
Alex: no, that's all
Jo: You felt hurt and alone when I came home late without calling.
Alex: yes
Jo: It must have hurt to wait, and I had a part in it.
Jo: I care about you and I will call next time.
"""
JO_TURN = """\
Jo: I felt scared when you shouted at me in the kitchen.
Jo: that's it
Jo: no
Alex: You felt scared when I shouted at you in the kitchen.
Jo: yes
Alex: That must have been frightening, and I raised my voice.
Alex: I love you and I want you to feel safe.
"""
CLOSING = "Alex: yes\nJo: yes\n"


def run(args: list[str], text: str) -> Result:
    return CliRunner().invoke(main, ["session", "--text", *args], input=text, obj={"clock": FakeClock()})


def test_typed_session_end_to_end_with_the_real_judge(private_home: Path) -> None:
    result = run([], OPENING + ALEX_TURN + JO_TURN + CLOSING)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Facilitator: Hello, and welcome." in out
    assert "this isn't therapy" in out and "Nothing you say leaves it" in out
    assert out.index("Alex, are you open to talking") < out.index("Breathe in")
    assert "Now let's switch. Jo, it's your turn to share" in out
    assert "Outcome: complete" in out and "2 confirmed first time" in out
    assert "No words were kept." in out
    state = StateStore().load()
    assert state is not None and state.step is Step.DONE
    assert not list(private_home.glob("transcript-*"))

    summary = CliRunner().invoke(main, ["summary"])
    assert summary.exit_code == 0
    assert "Share of talk time: Alex" in summary.output and "Outcome: complete" in summary.output
    assert "hurt" not in summary.output


def test_typed_input_ending_midway_saves_and_resume_continues(private_home: Path) -> None:
    first = run([], OPENING + ALEX_TURN)
    assert first.exit_code == 0, first.output
    assert "To continue later: facilitator session --resume" in first.output
    saved = StateStore().load()
    assert saved is not None and saved.step is Step.SHARE and saved.turn == 1

    second = run(["--resume"], JO_TURN + CLOSING)
    assert second.exit_code == 0, second.output
    assert "Welcome back. Let's pick up where we left off." in second.output
    assert "Jo, when you're ready" in second.output or "Jo, whenever you're ready" in second.output
    assert "Outcome: complete" in second.output


def test_unknown_name_in_typed_input_is_refused_and_nothing_is_lost(private_home: Path) -> None:
    text = OPENING.replace("Alex: yes\n", "Sam: yes\nAlex: yes\n", 1) + ALEX_TURN + JO_TURN + CLOSING
    result = run([], text)
    assert result.exit_code == 0, result.output
    assert "I don't know 'Sam' in this session; begin the line with Alex: or Jo:" in result.output
    assert "Outcome: complete" in result.output


def test_kept_transcript_and_event_log(private_home: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    result = run(["--keep-transcript", "--events", str(events)], OPENING + ALEX_TURN + JO_TURN + CLOSING)
    assert result.exit_code == 0, result.output
    [transcript] = list(private_home.glob("transcript-*.txt"))
    assert transcript.stat().st_mode & 0o777 == 0o600
    assert "Alex: I felt hurt and alone" in transcript.read_text()
    assert f"Transcript kept at: {transcript}" in result.output
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0]["type"] == "step"
    assert lines[-1]["type"] == "completed" and lines[-1]["outcome"] == "complete"
    assert any(line["type"] == "heard" and line["text"] for line in lines)


def test_not_yet_ends_gently_and_is_mentioned_at_the_next_start(private_home: Path) -> None:
    result = run([], "Alex: Hi, I'm Alex.\nJo: Hello, I'm Jo.\nAlex: not yet\nAlex: tomorrow evening\n")
    assert result.exit_code == 0, result.output
    assert "So, tomorrow evening." in result.output
    assert "Outcome: not started" in result.output
    again = run([], "")
    assert "Last time, you agreed to come back tomorrow evening." in again.output


def test_own_script_wording(tmp_path: Path, private_home: Path) -> None:
    from importlib import resources

    default = resources.files("facilitator.scripts").joinpath("default.toml").read_text()
    mine = tmp_path / "mine.toml"
    mine.write_text(default.replace("Hello, and welcome.", "Hi there, you two."))
    result = run(["--script", str(mine)], "")
    assert "Facilitator: Hi there, you two." in result.output


@pytest.mark.parametrize(
    ("args", "setup", "message"),
    [
        (["--resume"], None, "There is no saved session to resume"),
        (["--resume"], "{broken", "is damaged"),
        (["--resume"], '{"version": 0}', "another version of facilitator"),
        (["--config", "CONFIG"], None, "out of range"),
        (["--script", "SCRIPT"], None, "[welcome] is missing the key 'safety'"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], setup: str | None, message: str, tmp_path: Path,
                                     private_home: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[session]\nlong_silence_s = 0.5\n")
    script = tmp_path / "s.toml"
    script.write_text("[welcome]\nhello = 'hi'\n")
    args = [str(config) if a == "CONFIG" else str(script) if a == "SCRIPT" else a for a in args]
    state = private_home / "session.json"
    if setup is not None:
        private_home.mkdir(parents=True, exist_ok=True)
        state.write_text(setup)
    result = run(args, "")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    if setup is not None:
        assert state.read_text() == setup  # nothing lost


def test_summary_without_a_session(private_home: Path) -> None:
    result = CliRunner().invoke(main, ["summary"])
    assert result.exit_code == 1 and "There is no session yet" in result.output


def test_live_session_without_a_microphone_is_a_clear_error(private_home: Path) -> None:
    result = CliRunner().invoke(main, ["session", "--input", "no-such-device-xyz"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.output


def test_live_wiring_runs_on_real_engines_with_a_file_for_a_microphone(private_home: Path) -> None:
    """The live composition (VAD, Whisper, voice matcher, Piper, breather) around a silent file."""
    import numpy as np

    from facilitator.commands.session import live_parts
    from facilitator.config import load_config
    from facilitator.script import load_script
    from facilitator.session import OutcomeKind, Session
    from facilitator.sources import AudioFileSource

    class Recorder:
        def __init__(self) -> None:
            self.seconds = 0.0

        def play(self, chunks, sample_rate: int) -> None:  # type: ignore[no-untyped-def]
            self.seconds += sum(int(np.asarray(c).size) for c in chunks) / sample_rate

    config = load_config()
    clock = FakeClock()
    sink = Recorder()
    source = AudioFileSource(np.zeros(16000 * 3, dtype=np.float32), silence_after_s=30.0)
    speaker, listener, breather, voices = live_parts(config, clock, source, sink)
    outcome = Session(load_script(), config, speaker, listener, breather, voices, clock).run()
    # Nobody speaks: the welcome is spoken, the names question asked, and when the file ends the
    # session stops with its place kept instead of asking forever.
    assert outcome.kind is OutcomeKind.STOPPED and outcome.state.step.value == "names"
    assert outcome.log.prompt_ids()[:4] == ["welcome.hello", "welcome.safety", "welcome.privacy",
                                            "welcome.commands"]
    assert sink.seconds > 15  # real speech came out


def test_listening_breather_ends_the_exercise_on_stop_and_joins_its_thread() -> None:
    import threading
    import time

    from facilitator.commands.session import ListeningBreather
    from facilitator.events import Heard

    class Listener:
        def __init__(self, lines: list[str]) -> None:
            self.lines = lines
            self.threads: set[str] = set()

        def hear(self, timeout_s: float) -> Heard | None:
            self.threads.add(threading.current_thread().name)
            time.sleep(0.01)
            return Heard(0.0, 1.0, self.lines.pop(0), None) if self.lines else None

        def ignore_pending(self, tail_s: float) -> None:
            pass

    class Exercise:
        def __init__(self, stop_heard) -> None:  # type: ignore[no-untyped-def]
            self.stop_heard = stop_heard

        def breathe(self, pattern: str, minutes: float) -> bool:
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                if self.stop_heard():
                    return False
                time.sleep(0.005)
            return True

    listener = Listener(["breathe in", "Okay, stop."])
    breather = ListeningBreather(listener, Exercise, poll_s=0.01)
    started = time.monotonic()
    assert breather.breathe("resonance", 1.0) is False
    # Well before the fake exercise's own 5 s end: a wall-clock margin a loaded 2-core machine
    # meets (the stop comes after two 10 ms polls), yet one a missed stop could not.
    assert time.monotonic() - started < 4.0
    assert listener.threads == {"breathing-stop-listener"}
    assert not any(t.name == "breathing-stop-listener" for t in threading.enumerate())

    quiet = ListeningBreather(Listener([]), Exercise, poll_s=0.01)
    quiet.inner.breathe = lambda pattern, minutes: True  # type: ignore[method-assign]
    assert quiet.breathe("resonance", 1.0) is True

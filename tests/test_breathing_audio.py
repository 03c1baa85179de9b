"""Breathing as sound: timeline, onsets on schedule, paced playback, stopping, the command."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from facilitator.audio import Audio, load_audio
from facilitator.breathing import PATTERNS, CueKind, plan_exercise
from facilitator.breathing_audio import (
    CueVoice,
    GuidedBreather,
    StopWordWatcher,
    TerminalPacer,
    Timeline,
    audible_cue_times,
    chime,
    detect_onsets,
    match_onsets,
    pacer_line,
    prepare_exercise,
    render_exercise,
    trim_silence,
)
from facilitator.cli import main
from facilitator.clock import FakeClock
from facilitator.config import BreathingConfig
from facilitator.events import Heard

RATE = 22050


class FakeSynth:
    """Speech-like bursts: 50 ms of silence, then a vowel whose length grows with the text."""

    sample_rate = RATE

    def __init__(self, seconds_per_char: float = 0.03) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds_per_char = seconds_per_char

    def synthesize(self, text: str) -> Iterator[Audio]:
        self.calls[text] += 1
        n = int(RATE * min(20.0, 0.1 + self.seconds_per_char * len(text)))
        t = np.arange(n) / RATE
        vowel = 0.8 * np.sin(2 * np.pi * 180 * t) * np.minimum(1.0, t / 0.02)
        yield np.concatenate([np.zeros(int(0.05 * RATE)), vowel]).astype(np.float32)


class RecordingSink:
    """Takes the blocks as fast as they come and notes the clock time of each."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.blocks: list[Audio] = []
        self.times: list[float] = []

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        assert sample_rate == RATE
        for chunk in chunks:
            self.times.append(self.clock.monotonic_s())
            self.blocks.append(chunk)


def test_chime_and_trim_start_exactly_where_placed() -> None:
    tone = chime(440.0, RATE)
    assert 0.0 < abs(tone[1]) < 0.01 and np.max(np.abs(tone)) == pytest.approx(1.0)
    assert np.max(np.abs(tone[: int(0.012 * RATE)])) > 0.5  # loud within the 10 ms attack
    word = np.concatenate([np.zeros(1000), 0.5 * np.ones(500), np.zeros(3000)]).astype(np.float32)
    trimmed = trim_silence(word, RATE)
    pre = int(0.003 * RATE)
    assert trimmed[pre] == pytest.approx(0.5) and np.all(trimmed[:pre] == 0.0)
    assert trimmed.size < 500 + pre + int(0.031 * RATE)


def test_timeline_blocks_equal_the_whole_render() -> None:
    a = np.ones(300, dtype=np.float32) * 0.25
    timeline = Timeline(RATE, 2000, [(1500, a), (100, a), (250, a)])
    whole = timeline.render()
    assert whole.size == 2000
    assert whole[260] == pytest.approx(0.5) and whole[99] == 0.0 and whole[100] == pytest.approx(0.25)
    pieces = np.concatenate([timeline.block(i, 128) for i in range(0, 2048, 128)])
    np.testing.assert_array_equal(pieces[:2000], whole)
    assert timeline.onsets == [100, 250, 1500]


@pytest.mark.parametrize("settings", [
    BreathingConfig(),
    BreathingConfig(tones=False),
    BreathingConfig(voice=False),
    BreathingConfig(count=True, tones=False),
])
def test_rendered_onsets_are_on_schedule(settings: BreathingConfig) -> None:
    exercise = prepare_exercise(PATTERNS["sigh"], 4, CueVoice(FakeSynth()), settings)
    audio = exercise.render()
    scheduled = audible_cue_times(exercise, settings)
    errors = match_onsets(scheduled, detect_onsets(audio, RATE))
    assert None not in errors, "a cue was not heard"
    assert max(abs(e) for e in errors if e is not None) < 0.010


def test_long_words_never_push_later_cues() -> None:
    short = prepare_exercise(PATTERNS["box"], 3, CueVoice(FakeSynth(0.01)), BreathingConfig())
    # Words of 3-8 s, far longer than a 4 s phase: every cue still starts on its own second.
    long = prepare_exercise(PATTERNS["box"], 3, CueVoice(FakeSynth(0.6)), BreathingConfig())
    for exercise in (short, long):
        offsets = [c.start_s - exercise.plan.breathing_start_s for c in exercise.plan.phase_cues()]
        assert offsets == [4.0 * k for k in range(12)]
        expected = {round(c.start_s * RATE) for c in exercise.plan.cues}
        assert set(exercise.timeline.onsets) == expected


def test_each_cue_text_is_synthesized_once_and_reused() -> None:
    synth = FakeSynth()
    clock = FakeClock(100.0)
    breather = GuidedBreather(synth, RecordingSink(clock), clock)
    assert breather.breathe("resonance", 1.0) is True
    assert breather.breathe("resonance", 0.5) is True
    assert synth.calls["Breathe in."] == 1 and synth.calls["And out."] == 1
    assert all(n == 1 for n in synth.calls.values())


def test_five_minutes_on_a_fake_clock_hand_blocks_on_absolute_deadlines() -> None:
    clock = FakeClock(1000.0)
    sink = RecordingSink(clock)
    settings = BreathingConfig(count=True, lead_s=0.3)
    breather = GuidedBreather(FakeSynth(), sink, clock, settings=settings)
    assert breather.breathe("box", 5.0) is True
    plan = breather.last_plan
    assert plan is not None and plan.cycles == 19
    played = sum(b.size for b in sink.blocks)
    assert played == int(round(plan.end_s * RATE))
    pos = 0
    for handed_at, block in zip(sink.times, sink.blocks, strict=True):
        assert handed_at == pytest.approx(max(1000.0, 1000.0 + pos / RATE - 0.3), abs=1e-6)
        pos += block.size
    assert clock.now_s == pytest.approx(1000.0 + plan.end_s - 0.3, abs=0.05)


def test_breather_stops_early_when_stop_is_heard() -> None:
    clock = FakeClock(0.0)
    sink = RecordingSink(clock)
    breather = GuidedBreather(FakeSynth(), sink, clock, stop_heard=lambda: clock.now_s >= 30.0)
    assert breather.breathe("resonance", 2.0) is False
    played_s = sum(b.size for b in sink.blocks) / RATE
    assert 30.0 < played_s < 30.0 + 0.3 + 0.1  # stops within the lead and one block
    last = sink.blocks[-1]
    assert last.size == int(0.03 * RATE) and abs(last[-1]) < 0.01  # faded, no click
    assert breather.last_plan is not None and breather.last_plan.end_s > 120.0


def test_stop_word_watcher_raises_its_flag_on_stop() -> None:
    class ScriptedListener:
        def __init__(self) -> None:
            self.lines = ["breathe in", "mm", "okay, stop please"]
            self.ended = False

        def hear(self, timeout_s: float) -> Heard | None:
            if not self.lines:
                self.ended = True
                return None
            return Heard(0.0, 1.0, self.lines.pop(0), None)

        def ignore_pending(self, tail_s: float) -> None:
            pass

    listener = ScriptedListener()
    watcher = StopWordWatcher(listener).start()
    watcher._thread.join(timeout=5.0)
    assert watcher.heard() and listener.lines == [] and watcher.error is None

    class QuietListener(ScriptedListener):
        def __init__(self) -> None:
            super().__init__()
            self.lines = ["breathe in", "and out"]

    quiet = StopWordWatcher(QuietListener()).start()
    quiet._thread.join(timeout=5.0)
    assert not quiet.heard()


def test_terminal_pacer_on_a_pipe_prints_each_phase() -> None:
    plan = plan_exercise(PATTERNS["box"], 1, intro_s=2.0, close_s=1.0)
    out = io.StringIO()
    pacer = TerminalPacer(out)
    pacer.start(plan)
    for k in range(0, 200):
        pacer.show(k * 0.1)
    pacer.finish()
    assert [line.split()[-1] for line in out.getvalue().splitlines()] == ["in", "hold", "out", "rest"]
    lines = {len(pacer_line(plan, t / 10)) for t in range(0, 200)}
    assert len(lines) == 1  # the line never changes width, so redrawing in place is clean
    assert "██" not in pacer_line(plan, 2.0) and pacer_line(plan, 6.0).count("█") == 30


def test_render_exercise_for_the_demo_at_sixteen_khz() -> None:
    audio = render_exercise("resonance", FakeSynth(), cycles=2, sample_rate=16000)
    exercise = prepare_exercise(PATTERNS["resonance"], 2, CueVoice(FakeSynth(), 16000), BreathingConfig())
    assert audio.dtype == np.float32 and audio.size == exercise.timeline.length
    errors = match_onsets(audible_cue_times(exercise, BreathingConfig()), detect_onsets(audio, 16000))
    assert None not in errors and max(abs(e) for e in errors if e is not None) < 0.010


def test_command_refuses_bad_input_with_one_line() -> None:
    runner = CliRunner()
    for args, says in [
        (["--pattern", "square"], "use one of resonance, box, 478, sigh"),
        (["--pattern", "4-30"], "use 1 to 20 s"),
        (["--cycles", "0"], "use 1 to 180 cycles"),
        (["--minutes", "45"], "to 30 minutes"),
        (["--minutes", "1", "--cycles", "3"], "not both"),
        (["--no-voice", "--no-tones"], "drop --no-voice or --no-tones"),
        (["--out", "x.mp3"], "must end in .wav"),
    ]:
        result = runner.invoke(main, ["breathe", *args])
        assert result.exit_code == 1, args
        assert says in result.output and "Traceback" not in result.output


def test_command_tones_only_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "tones.wav"
    result = CliRunner().invoke(main, ["breathe", "--no-voice", "--pattern", "4-2-6", "--cycles", "3",
                                       "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    cues = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    phases = [c for c in cues if c["phase"] in ("inhale", "hold", "exhale")]
    assert [c["start_s"] for c in phases] == [2.0 + d for d in (0, 4, 6, 12, 16, 18, 24, 28, 30)]
    audio = load_audio(out, sample_rate=16000)
    errors = match_onsets([c["start_s"] for c in phases], detect_onsets(audio, 16000))
    assert None not in errors and max(abs(e) for e in errors if e is not None) < 0.010


def test_real_voice_exercise_file_has_every_onset_on_schedule(tmp_path: Path) -> None:
    """Piper speaks the cues; onsets found in the written file match the --json schedule."""
    out = tmp_path / "box.wav"
    result = CliRunner().invoke(main, ["breathe", "--pattern", "box", "--cycles", "2", "--count",
                                       "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    cues = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert cues[0]["phase"] == "intro" and cues[-1]["phase"] == "close"
    assert sum(c["phase"] == "count" for c in cues) == 2 * 4 * 3
    audio = load_audio(out, sample_rate=22050)
    errors = match_onsets([c["start_s"] for c in cues], detect_onsets(audio, 22050))
    assert None not in errors, "a cue was not heard in the file"
    assert max(abs(e) for e in errors if e is not None) < 0.010


def test_stop_flag_read_from_another_thread_is_seen_between_blocks() -> None:
    clock = FakeClock(0.0)
    flag = threading.Event()

    class StoppingSink(RecordingSink):
        def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
            for chunk in chunks:
                self.blocks.append(chunk)
                if clock.now_s > 20.0:
                    flag.set()

    sink = StoppingSink(clock)
    breather = GuidedBreather(None, sink, clock, stop_heard=flag.is_set,
                              settings=BreathingConfig(voice=False))
    assert breather.breathe("sigh", 1.0) is False
    assert breather.sample_rate == 16000  # no voice: the package's rate
    assert 20.0 < sum(b.size for b in sink.blocks) / 16000 < 21.0
    assert CueKind.INHALE in {c.kind for c in breather.last_plan.cues}  # type: ignore[union-attr]


def test_stream_position_skips_exactly_the_time_the_stream_lost() -> None:
    from facilitator.adapters.breathing_output import StreamPosition

    rate, frames = 1000, 100
    place = StreamPosition(rate, settle_s=0.5, resync_s=0.01)
    starts = []
    dac = 50.0
    # The output latency fills up during the first callbacks: the heard time of the first block
    # is reported early, then settles 0.15 s later; this is not lost time.
    for k in range(60):
        latency = min(0.15, 0.05 * k)
        starts.append(place.start_of_block(dac + latency, frames))
        dac += frames / rate
        if k == 30:
            dac += 0.3  # the process froze for 0.3 s: the speaker ran dry
    assert starts[:31] == [k * frames for k in range(31)]
    assert starts[31] == 31 * frames + 300  # the 0.3 s of samples due meanwhile are skipped
    assert starts[32] == 32 * frames + 300
    assert place.skipped == 300
    jittery = StreamPosition(rate, settle_s=0.0, resync_s=0.01)
    for k in range(50):
        jittery.start_of_block(10.0 + k * frames / rate + (0.005 if k % 2 else 0.0), frames)
    assert jittery.skipped == 0  # clock jitter under resync_s is never skipped
    assert jittery.heard_s(10.0 + 2.0) == pytest.approx(2.0, abs=0.006)


def test_breather_uses_a_pulling_output_and_stops_through_it() -> None:
    class PullingOutput:
        """Pulls blocks by position as a device callback would; polls every 0.05 s of audio."""

        def __init__(self) -> None:
            self.played = 0
            self.sink_calls = 0

        def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
            self.sink_calls += 1

        def play_timeline(self, block_at, length, sample_rate, keep_going, poll_s=0.05):  # type: ignore[no-untyped-def]
            step = int(poll_s * sample_rate)
            for pos in range(0, length, step):
                if not keep_going(pos / sample_rate):
                    return False
                self.played += block_at(pos, step).size
            return True

    shown: list[float] = []

    class Pacer:
        def start(self, plan: object) -> None:
            shown.clear()

        def show(self, t_s: float) -> None:
            shown.append(t_s)

        def finish(self) -> None:
            shown.append(-1.0)

    output = PullingOutput()
    breather = GuidedBreather(FakeSynth(), output, FakeClock(), pacer=Pacer(),
                              stop_heard=lambda: bool(shown) and shown[-1] >= 40.0)
    assert breather.breathe("box", 2.0) is False
    assert output.sink_calls == 0 and 40.0 <= output.played / RATE <= 40.1
    assert shown[-1] == -1.0 and shown[-2] == pytest.approx(40.0, abs=0.06)
    done = GuidedBreather(FakeSynth(), PullingOutput(), FakeClock())
    assert done.breathe("box", 0.5) is True


def test_breather_gives_one_cycle_for_a_length_shorter_than_a_cycle() -> None:
    clock = FakeClock()
    breather = GuidedBreather(FakeSynth(), RecordingSink(clock), clock)
    assert breather.breathe("478", 0.1) is True  # 6 s asked, a cycle is 19 s
    assert breather.last_plan is not None and breather.last_plan.cycles == 1

"""VoiceSpeaker with the real Piper voice: echo, sentence-by-sentence playback, the prompt cache."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from facilitator.adapters.piper import PiperSynthesizer, load_voice
from facilitator.audio import Audio
from facilitator.errors import InputError
from facilitator.speaking import VoiceSpeaker, WavFileSink


@pytest.fixture(scope="module")
def voice() -> PiperSynthesizer:
    return load_voice()


class CountingVoice:
    """The real voice, counting how often it is asked to synthesize."""

    def __init__(self, voice: PiperSynthesizer) -> None:
        self.voice = voice
        self.sample_rate = voice.sample_rate
        self.calls = 0

    def synthesize(self, text: str) -> Iterator[Audio]:
        self.calls += 1
        return self.voice.synthesize(text)


class RecordingSink:
    """Keeps what it was asked to play; can stop after ``stop_after`` chunks like a Ctrl-C."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.played: list[list[Audio]] = []
        self.stop_after = stop_after

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        got: list[Audio] = []
        self.played.append(got)
        for chunk in chunks:
            got.append(chunk)
            if self.stop_after is not None and len(got) >= self.stop_after:
                raise KeyboardInterrupt


TEXT = "Take a slow breath in. And now let it go, slowly."


def test_say_echoes_and_plays_each_sentence(voice: PiperSynthesizer) -> None:
    shown: list[str] = []
    sink = RecordingSink()
    VoiceSpeaker(voice, sink, shown.append).say("breath.in", TEXT)
    assert shown == [TEXT]
    assert len(sink.played) == 1 and len(sink.played[0]) == 2


def test_repeated_prompts_come_from_the_cache(voice: PiperSynthesizer) -> None:
    counting = CountingVoice(voice)
    sink = RecordingSink()
    speaker = VoiceSpeaker(counting, sink)
    speaker.say("a", TEXT)
    speaker.say("a", TEXT)
    assert counting.calls == 1
    first, second = sink.played
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    speaker.prepare(["Welcome back.", TEXT])
    assert counting.calls == 2
    speaker.say("b", "Welcome back.")
    assert counting.calls == 2


def test_an_interrupted_prompt_is_not_cached(voice: PiperSynthesizer) -> None:
    counting = CountingVoice(voice)
    speaker = VoiceSpeaker(counting, RecordingSink(stop_after=1))
    with pytest.raises(KeyboardInterrupt):
        speaker.say("a", TEXT)
    speaker.sink = RecordingSink()
    speaker.say("a", TEXT)
    assert counting.calls == 2
    assert len(speaker.sink.played[0]) == 2  # type: ignore[attr-defined]


def test_the_cache_has_a_size_limit(voice: PiperSynthesizer) -> None:
    counting = CountingVoice(voice)
    speaker = VoiceSpeaker(counting, RecordingSink(), cache_s=3.0)
    speaker.say("a", "One.")
    speaker.say("b", "Two.")
    speaker.say("c", "This sentence is far too long to be kept in a cache of three seconds of audio.")
    speaker.say("c", "This sentence is far too long to be kept in a cache of three seconds of audio.")
    assert counting.calls == 4


def test_empty_prompt_is_an_input_error(voice: PiperSynthesizer) -> None:
    with pytest.raises(InputError):
        VoiceSpeaker(voice, RecordingSink()).say("x", "  ")


def test_wav_sink_writes_the_voice(voice: PiperSynthesizer, tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    VoiceSpeaker(voice, WavFileSink(out)).say("x", TEXT)
    data, rate = soundfile.read(str(out))
    assert rate == voice.sample_rate and data.size / rate > 1.5

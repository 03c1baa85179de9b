"""A spoken rehearsal through the real engines (issue 15): VAD, Whisper, Piper and the partner voice.

The composition root's ``rehearse_parts`` is given a microphone that plays a person's words
(said by Piper) when their cue comes, and a sink that records each thing said. Not real time: the
stream runs as fast as it is read. Checks that the practice partner's voice is another, higher
voice than the facilitator's, and that what the person said back was heard and judged.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import numpy as np
import pytest

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio, resample
from facilitator.clock import FakeClock
from facilitator.config import load_config
from facilitator.practice import load_deck, load_rehearse_script
from facilitator.rehearsal import Rehearsal
from facilitator.script import load_script

REFLECTION_AFTER = 7
"""Plays before the person speaks: 4 of welcome, the intro, the partner's share, "what did you hear?"."""


class RecordingSink:
    def __init__(self) -> None:
        self.plays: list[tuple[Audio, int]] = []

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        parts = [np.asarray(c, dtype=np.float32) for c in chunks]
        self.plays.append((np.concatenate(parts) if parts else np.zeros(0, np.float32), sample_rate))


class CuedMicrophone:
    """Quiet room sound; the person's lines once the sink has played enough prompts; then the end."""

    def __init__(self, sink: RecordingSink, lines: list[tuple[int, Audio]], max_s: float = 300.0) -> None:
        self.sink = sink
        self.lines = list(lines)
        self.max_blocks = int(max_s * SAMPLE_RATE / BLOCK_SAMPLES)
        self.rng = np.random.default_rng(15)

    def blocks(self) -> Iterator[Audio]:
        pending = np.zeros(0, dtype=np.float32)
        for _ in range(self.max_blocks):
            if not pending.size and self.lines and len(self.sink.plays) >= self.lines[0][0]:
                lead = np.zeros(SAMPLE_RATE, dtype=np.float32)  # the listener drops a tail after each prompt
                pending = np.concatenate([lead, self.lines.pop(0)[1], np.zeros(SAMPLE_RATE, np.float32)])
            block = (self.rng.standard_normal(BLOCK_SAMPLES) * 0.0005).astype(np.float32)
            if pending.size:
                piece, pending = pending[:BLOCK_SAMPLES], pending[BLOCK_SAMPLES:]
                block[: piece.size] += piece
            yield block


def f0(audio: Audio, rate: int) -> float:
    """The median pitch of the voiced frames (autocorrelation, 70-400 Hz)."""
    frame = int(0.04 * rate)
    loud = np.sqrt(np.mean(audio**2)) * 0.8
    found = []
    for start in range(0, audio.size - frame, frame):
        x = audio[start : start + frame]
        if np.sqrt(np.mean(x**2)) < loud:
            continue
        x = x - x.mean()
        corr = np.correlate(x, x, "full")[frame - 1 :]
        low, high = int(rate / 400), int(rate / 70)
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.3 * corr[0]:
            found.append(rate / lag)
    return float(np.median(found))


@pytest.fixture(scope="module")
def voice():  # type: ignore[no-untyped-def]
    from facilitator.adapters.piper import load_voice

    return load_voice()


def spoken(voice, text: str) -> Audio:  # type: ignore[no-untyped-def]
    return resample(np.concatenate(list(voice.synthesize(text))), voice.sample_rate, SAMPLE_RATE)


def test_listening_practice_by_voice_with_a_second_voice(voice, capsys) -> None:  # type: ignore[no-untyped-def]
    from facilitator.adapters.whisper import WhisperTranscriber, normalise
    from facilitator.commands.rehearse import rehearse_parts

    deck = tuple(item for item in load_deck() if "pick me up from work" in item.text)
    share = deck[0].text
    sink = RecordingSink()
    mic = CuedMicrophone(sink, [
        (REFLECTION_AFTER, spoken(voice, "It sounds like you felt anxious when I was late to pick you up "
                                         "from work, standing in the cold.")),
    ])
    config = load_config(None)
    clock = FakeClock()
    speaker, listener, breather, partner = rehearse_parts(config, clock, mic, sink)
    script = load_rehearse_script(load_script(None))
    result = Rehearsal(script, config, speaker, listener, breather, clock, partner=partner, deck=deck,
                       listen_only=True, rng=random.Random(0)).run()
    printed = capsys.readouterr().out
    assert f"Practice partner: {share}" in printed
    assert result.listened == 1 and result.landed == 1, printed
    assert "Practice partner: Yes. That's it. I feel heard." in printed
    assert "Facilitator: That was the last practice share." in printed and not result.stopped
    # the partner's share (play 6) is a higher voice than the facilitator's intro (play 5)
    intro, rate = sink.plays[4]
    theirs, partner_rate = sink.plays[5]
    assert f0(theirs, partner_rate) > 1.15 * f0(intro, rate)
    heard = WhisperTranscriber().transcribe(resample(theirs, partner_rate, SAMPLE_RATE)).text
    said, got = set(normalise(share).split()), set(normalise(heard).split())
    assert len(said & got) >= 0.8 * len(said), heard

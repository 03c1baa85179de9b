"""Early transcription: the utterance is transcribed during its stop silence, and only once."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, Audio
from facilitator.config import ListeningConfig
from facilitator.events import Transcript
from facilitator.listening import StreamListener
from facilitator.segmenter import Segmenter

CONFIG = ListeningConfig(start_s=0.1, stop_s=0.5, pre_roll_s=0.064, post_roll_s=0.064, min_utterance_s=0.2)


class ProbSource:
    """Blocks whose first sample is the speech probability the fake detector reports."""

    def __init__(self, probs: list[float]) -> None:
        self.probs = probs

    def blocks(self) -> Iterator[Audio]:
        for p in self.probs:
            yield np.full(BLOCK_SAMPLES, p, dtype=np.float32)


class FirstSample:
    def speech_prob(self, block: Audio) -> float:
        return float(block[0])

    def reset(self) -> None:
        pass


class Counting:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def transcribe(self, audio: Audio) -> Transcript:
        self.calls.append(int(audio.size))
        return Transcript(text=f"words {len(self.calls)}")


def test_provisional_matches_what_is_emitted() -> None:
    seg = Segmenter(CONFIG)
    probs = [0.0] * 5 + [0.9] * 12 + [0.0] * 30
    early = None
    for i, p in enumerate(probs):
        block = np.full(BLOCK_SAMPLES, float(i), dtype=np.float32)
        out = seg.push(p, block)
        if early is None:
            early = seg.provisional()
            span = seg.provisional_span()
            assert span == (None if early is None else (early.start_s, early.end_s))
        if out is not None:
            assert early is not None
            assert (early.start_s, early.end_s) == (out.start_s, out.end_s)
            assert np.array_equal(early.audio, out.audio)
            return
    raise AssertionError("no utterance was emitted")


def test_provisional_is_none_while_speaking_or_quiet() -> None:
    seg = Segmenter(CONFIG)
    assert seg.provisional() is None and seg.provisional_span() is None
    for _ in range(10):
        seg.push(0.9, np.zeros(BLOCK_SAMPLES, dtype=np.float32))
    assert seg.provisional() is None and seg.provisional_span() is None


def test_listener_transcribes_once_during_the_silence() -> None:
    transcriber = Counting()
    probs = [0.0] * 5 + [0.9] * 20 + [0.0] * 40
    listener = StreamListener(ProbSource(probs), FirstSample(), transcriber, CONFIG)
    heard = listener.hear(10.0)
    assert heard is not None and heard.text == "words 1"
    assert len(transcriber.calls) == 1


def test_speech_resuming_after_a_pause_discards_the_early_result() -> None:
    transcriber = Counting()
    # a 0.3 s pause (long enough for an early transcript, shorter than stop_s), then more speech
    probs = [0.0] * 5 + [0.9] * 20 + [0.0] * 10 + [0.9] * 20 + [0.0] * 40
    listener = StreamListener(ProbSource(probs), FirstSample(), transcriber, CONFIG)
    heard = listener.hear(10.0)
    assert heard is not None
    assert len(transcriber.calls) == 2  # the early guess, then the whole utterance
    assert transcriber.calls[1] > transcriber.calls[0]
    assert heard.text == "words 2"


def test_early_transcription_can_be_turned_off() -> None:
    transcriber = Counting()
    probs = [0.0] * 5 + [0.9] * 20 + [0.0] * 10 + [0.9] * 20 + [0.0] * 40
    config = ListeningConfig(**{**CONFIG.__dict__, "early_transcription": False})
    listener = StreamListener(ProbSource(probs), FirstSample(), transcriber, config)
    assert listener.hear(10.0) is not None
    assert len(transcriber.calls) == 1

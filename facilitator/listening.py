"""The listening loop: audio blocks -> streaming VAD -> utterances -> transcripts -> Heard.

Plain generators and one loop, no threads: the only thread boundary is inside the microphone
adapter (STYLE.md). Time here is stream time, the seconds of audio consumed, so a simulated room
that runs faster than real time keeps every timeout honest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio
from facilitator.config import ListeningConfig
from facilitator.errors import DeviceError
from facilitator.events import Attribution, Heard, Transcript, Utterance
from facilitator.ports import AudioSource, SpeakerIdentifier, SpeechDetector, Transcriber, TurnDetector
from facilitator.segmenter import Segmenter, VadState
from facilitator.speech_filter import Evidence, VadTrack, is_no_speech
from facilitator.turn_end import Decision, Step, decide, hold_s

_Ended = tuple[Utterance, bool, float | None]
"""An utterance, whether it ended the turn, and the end-of-turn model's probability for it."""


class StreamListener:
    """Implements the Listener port over an AudioSource, a SpeechDetector and a Transcriber.

    ``hear`` never cuts a person off: when its timeout passes while speech is under way, it keeps
    listening until that utterance ends. Phantom or empty transcripts are never returned. With a
    ``turns`` model, each pause is judged by turn_end.decide; without one, by the stop silence.
    """

    def __init__(
        self,
        source: AudioSource,
        detector: SpeechDetector,
        transcriber: Transcriber,
        config: ListeningConfig,
        identifier: SpeakerIdentifier | None = None,
        turns: TurnDetector | None = None,
    ) -> None:
        """Wire the parts; the source is first read on the first ``hear``."""
        self._source = source
        self._detector = detector
        self._transcriber = transcriber
        self._identifier = identifier
        self._turns = turns
        self.config = config
        # The segmenter's own stop silence is only a backstop: the turn policy ends utterances.
        hold = hold_s(config, turns is not None) + 0.1
        self._segmenter = Segmenter(dataclasses.replace(config, stop_s=hold))
        self._vad = VadTrack(config.max_utterance_s + hold + 2.0)
        self._asked: tuple[tuple[float, float], float] | None = None
        self._blocks: Iterator[Audio] | None = None
        self._ended = False
        # Early transcription (latency): the utterance as it will be if the silence lasts, and
        # what it was heard as. Reused when the segmenter passes on that same utterance.
        self._early: tuple[tuple[float, float], Heard | None] | None = None

    @property
    def now_s(self) -> float:
        """Stream time: seconds of audio consumed since listening began (ignored audio included)."""
        return self._segmenter.now_s

    @property
    def ended(self) -> bool:
        """Whether a finite source (a file) has run out; ``hear`` then returns None at once."""
        return self._ended

    def hear(self, timeout_s: float) -> Heard | None:
        """The next utterance with words in it, or None after ``timeout_s`` of stream time without one.

        Raises:
            DeviceError: the microphone was lost (from the source).
        """
        deadline_s = self.now_s + timeout_s
        while True:
            ended = self._next_utterance(deadline_s)
            if ended is None:
                return None
            utterance, turn_ended, prob = ended
            heard = self._to_heard(utterance)
            if heard is not None:
                return dataclasses.replace(heard, decided_s=self.now_s, complete_prob=prob,
                                           turn_ended=turn_ended)
            if self.now_s >= deadline_s:
                return None

    def ignore_pending(self, tail_s: float) -> None:
        """Half-duplex: drop what the microphone captured so far, and ``tail_s`` more of stream audio.

        A live source that queues blocks may offer ``discard_pending() -> int`` (samples dropped);
        it is called first so audio recorded while the facilitator spoke is never heard. The VAD
        state and the segmenter restart afterwards, as for a new stream.
        """
        dropped = 0
        discard: Callable[[], int] | None = getattr(self._source, "discard_pending", None)
        if discard is not None:
            dropped += int(discard())
        tail = int(round(tail_s * SAMPLE_RATE))
        skipped = 0
        blocks = self._iter()
        while skipped < tail and not self._ended:
            block = next(blocks, None)
            if block is None:
                self._ended = True
                break
            skipped += int(block.size)
        self._detector.reset()
        self._early = None
        self._asked = None
        self._vad.clear()
        self._segmenter.reset((self._segmenter.now_s * SAMPLE_RATE + dropped + skipped) / SAMPLE_RATE)

    def _iter(self) -> Iterator[Audio]:
        if self._blocks is None:
            self._detector.reset()  # a new stream (or a reopened microphone)
            self._blocks = iter(self._source.blocks())
        return self._blocks

    def _next_utterance(self, deadline_s: float) -> _Ended | None:
        """Read blocks until an utterance ends, or the deadline passes with nobody speaking."""
        if self._ended:
            return None
        blocks = self._iter()
        while True:
            try:
                block = next(blocks, None)
            except DeviceError:
                # The microphone was lost: the next hear() opens it again from a clean state.
                self._blocks = None
                self._detector.reset()
                self._segmenter.reset()
                raise
            if block is None:
                self._ended = True
                last = self._segmenter.flush()
                return None if last is None else (last, False, self._prob_for(last))
            start_s = self.now_s
            prob = self._detector.speech_prob(block)
            self._vad.add(start_s, start_s + block.size / SAMPLE_RATE, prob)
            utterance = self._segmenter.push(prob, block)
            if utterance is not None:  # the backstop silence, or a cut at max_utterance_s
                ended = self._segmenter.state is VadState.QUIET and self._turns is not None
                return utterance, ended, self._prob_for(utterance)
            if self._segmenter.state is VadState.STOPPING:
                decision = self._decide()
                if decision.step is Step.END:
                    ended_now = self._segmenter.end_now()
                    if ended_now is not None:
                        return ended_now, decision.turn_ended, self._prob_for(ended_now)
            if self.config.early_transcription and not self._held():
                self._transcribe_early()
            if self.now_s >= deadline_s and not self._segmenter.in_speech:
                return None

    def _decide(self) -> Decision:
        """The turn policy for the pause under way, asking the end-of-turn model once per pause."""
        key = self._segmenter.provisional_span()
        if key is None:  # post-roll not heard yet (end_now then does nothing), or a click to drop
            return Decision(Step.END)
        prob = self._asked[1] if self._asked is not None and self._asked[0] == key else None
        silence, speech = self._segmenter.silence_s, self._segmenter.speech_s
        decision = decide(self.config, silence, speech, prob, self._turns is not None)
        if decision.step is Step.ASK and self._turns is not None:
            pending = self._segmenter.provisional()
            if pending is None:
                return Decision(Step.WAIT)
            prob = float(self._turns.complete_prob(pending.audio))
            self._asked = (key, prob)
            decision = decide(self.config, silence, speech, prob, True)
        return decision

    def _held(self) -> bool:
        """Whether the pause under way sounded unfinished: no speculative Whisper call then."""
        key, asked = self._segmenter.provisional_span(), self._asked
        return (asked is not None and asked[0] == key and asked[1] < self.config.turn_incomplete_max
                and self._segmenter.speech_s >= self.config.hold_min_speech_s)  # as turn_end.decide holds

    def _prob_for(self, utterance: Utterance) -> float | None:
        asked = self._asked
        if asked is not None and abs(asked[0][0] - utterance.start_s) < 1e-6:
            return asked[1]
        return None

    def _transcribe_early(self) -> None:
        """Transcribe the utterance during its stop silence, so the answer is ready when it ends.

        On a live microphone the blocks that arrive meanwhile wait in the device queue and are
        read right after, so the silence is still measured in full; when the person speaks again,
        the early result is simply not used (issue 6: hand-off to first audio within 0.8 s).
        """
        key = self._segmenter.provisional_span()  # cheap: the audio is copied only for a new one
        if key is None or self._early is not None and self._early[0] == key:
            return
        pending = self._segmenter.provisional()
        if pending is not None:
            self._early = (key, self._transcribe(pending))

    def _to_heard(self, utterance: Utterance) -> Heard | None:
        """The utterance transcribed and attributed (early, if it was); None for no words."""
        early, self._early = self._early, None
        if early is not None and early[0] == (utterance.start_s, utterance.end_s):
            return early[1]
        return self._transcribe(utterance)

    def _transcribe(self, utterance: Utterance) -> Heard | None:
        """Transcribe and attribute; None when the transcript is empty (phantom text was dropped)."""
        transcript = self._transcriber.transcribe(utterance.audio)
        text = self._spoken_text(transcript, utterance.start_s)
        if not text:
            return None
        speaker: str | None = None
        margin = 0.0
        windows: tuple[Attribution, ...] = ()
        if self._identifier is not None:
            whole, windows = self._identifier.attribute(utterance.audio, utterance.start_s)
            speaker, margin = whole.speaker, whole.margin
        return Heard(
            start_s=utterance.start_s,
            end_s=utterance.end_s,
            text=text,
            speaker=speaker,
            margin=margin,
            windows=windows,
            audio=utterance.audio,
        )


    def _spoken_text(self, transcript: Transcript, start_s: float) -> str:
        """The words of the segments that held speech, judged with the VAD's view of each."""
        if not transcript.segments:
            return transcript.text.strip()
        kept = []
        for seg in transcript.segments:
            vad = self._vad.mean(start_s + seg.start_s, start_s + seg.end_s)
            evidence = Evidence(seg.no_speech_prob, seg.avg_logprob, seg.level_dbfs, vad)
            if not is_no_speech(evidence, self.config.max_no_speech_prob):
                kept.append(seg.text.strip())
        return " ".join(t for t in kept if t).strip()


def utterances_from_audio(
    audio: Audio, detector: SpeechDetector, config: ListeningConfig
) -> list[Utterance]:
    """Cut a whole recording into utterances with the same VAD and segmenter as the live loop.

    The detector is reset first and after, so it can be shared with a listener.
    """
    detector.reset()
    segmenter = Segmenter(config)
    found: list[Utterance] = []
    samples = np.ascontiguousarray(audio, dtype=np.float32)
    for start in range(0, samples.size, BLOCK_SAMPLES):
        block = samples[start : start + BLOCK_SAMPLES]
        utterance = segmenter.push(detector.speech_prob(block), block)
        if utterance is not None:
            found.append(utterance)
    last = segmenter.flush()
    if last is not None:
        found.append(last)
    detector.reset()
    return found

"""The no-speech decision and the end-of-turn policy: pure functions, no engines."""

from __future__ import annotations

from dataclasses import replace

from test_listening_early import FirstSample, ProbSource

from facilitator.audio import BLOCK_SAMPLES, Audio
from facilitator.config import ListeningConfig
from facilitator.events import Segment, Transcript
from facilitator.listening import StreamListener
from facilitator.speech_filter import Evidence, VadTrack, is_no_speech
from facilitator.turn_end import Step, decide, hold_s

CONFIG = ListeningConfig()


def test_confident_segment_with_high_no_speech_prob_is_kept() -> None:
    # A quiet or distant voice: Whisper doubts there was speech, but its decoder is sure of the words.
    assert not is_no_speech(Evidence(no_speech_prob=0.9, avg_logprob=-0.3, level_dbfs=-38.0))
    assert not is_no_speech(Evidence(0.9, -0.3, -38.0, vad_prob=0.5))


def test_whisper_rule_needs_both_signals() -> None:
    assert is_no_speech(Evidence(0.9, -1.4, -40.0))  # doubtful decoder and high no-speech
    assert not is_no_speech(Evidence(0.3, -1.4, -40.0))  # an unsure decoder alone is not silence
    assert not is_no_speech(Evidence(0.59, -2.0, -40.0), no_speech_high=0.6)
    assert is_no_speech(Evidence(0.59, -2.0, -40.0), no_speech_high=0.5)


def test_vad_overrules_whisper_doubt_only_when_sure_and_audible() -> None:
    doubted = Evidence(0.9, -1.4, -35.0, vad_prob=0.95)
    assert not is_no_speech(doubted)
    assert is_no_speech(replace(doubted, vad_prob=0.6))
    assert is_no_speech(replace(doubted, level_dbfs=-60.0))


def test_fluent_text_over_no_vad_speech_is_invented() -> None:
    assert is_no_speech(Evidence(0.8, -0.2, -40.0, vad_prob=0.05))
    assert not is_no_speech(Evidence(0.2, -0.2, -40.0, vad_prob=0.05))  # Whisper sure of speech


def test_digital_silence_is_never_speech() -> None:
    assert is_no_speech(Evidence(0.0, -0.1, -90.0, vad_prob=1.0))


def test_vad_track_means_and_forgets() -> None:
    track = VadTrack(keep_s=1.0)
    for i in range(100):  # 3.2 s, the last 1 s remembered
        track.add(i * 0.032, (i + 1) * 0.032, 1.0)
    assert track.mean(2.5, 3.0) == 1.0
    assert track.mean(0.0, 1.5) is None  # older than keep_s
    track.clear()
    assert track.mean(2.5, 3.0) is None


def test_policy_silence_rule() -> None:
    assert decide(CONFIG, 0.1, 2.0, None, model=False).step is Step.WAIT
    assert decide(CONFIG, 0.5, 2.0, None, model=False).step is Step.WAIT
    end = decide(CONFIG, CONFIG.stop_s, 2.0, None, model=False)
    assert end.step is Step.END and not end.turn_ended
    assert decide(CONFIG, 0.25, CONFIG.piece_s + 1, None, model=False).step is Step.END  # a piece


def test_policy_model() -> None:
    assert decide(CONFIG, 0.1, 2.0, None, model=True).step is Step.WAIT
    assert decide(CONFIG, 0.2, 2.0, None, model=True).step is Step.ASK
    # complete: answered once the confirming silence has passed, and the turn is over
    assert decide(CONFIG, 0.3, 2.0, 0.9, model=True).step is Step.WAIT
    done = decide(CONFIG, CONFIG.turn_complete_wait_s, 2.0, 0.9, model=True)
    assert done.step is Step.END and done.turn_ended
    # incomplete: a two-second pause mid-thought is not answered
    assert decide(CONFIG, 2.0, 2.0, 0.05, model=True).step is Step.WAIT
    capped = decide(CONFIG, CONFIG.incomplete_cap_s, 2.0, 0.05, model=True)
    assert capped.step is Step.END and capped.turn_ended
    # a short burst (a continuer) is not held open, whatever the model says
    assert decide(CONFIG, CONFIG.stop_s, 0.6, 0.05, model=True).step is Step.END
    # unsure: the old fixed silence, and the session's own rules decide about the turn
    assert decide(CONFIG, 0.5, 2.0, 0.4, model=True).step is Step.WAIT
    unsure = decide(CONFIG, CONFIG.stop_s, 2.0, 0.4, model=True)
    assert unsure.step is Step.END and not unsure.turn_ended
    # a long utterance is passed on at a short pause, without ending the turn
    piece = decide(CONFIG, 0.25, CONFIG.piece_s + 1, 0.05, model=True)
    assert piece.step is Step.END and not piece.turn_ended
    assert hold_s(CONFIG, True) >= CONFIG.incomplete_cap_s and hold_s(CONFIG, False) == CONFIG.stop_s


class Segments:
    """A transcriber returning two segments with the evidence given."""

    def __init__(self, second: Segment) -> None:
        self.second = second

    def transcribe(self, audio: Audio) -> Transcript:
        first = Segment(0.0, 0.3, "I felt", 0.1, -0.2, -30.0)
        return Transcript("I felt", (first, self.second))


class Fixed:
    def __init__(self, prob: float) -> None:
        self.prob = prob
        self.calls = 0

    def complete_prob(self, audio: Audio) -> float:
        self.calls += 1
        return self.prob


def blocks(seconds: float, prob: float) -> list[float]:
    return [prob] * int(round(seconds / (BLOCK_SAMPLES / 16000)))


def test_listener_keeps_a_doubted_segment_the_vad_heard() -> None:
    probs = blocks(0.3, 0.0) + blocks(1.5, 0.97) + blocks(1.5, 0.0)
    doubted = Segment(0.3, 1.2, "so alone", 0.9, -1.3, -35.0, spoken=False)
    listener = StreamListener(ProbSource(probs), FirstSample(), Segments(doubted), CONFIG)
    heard = listener.hear(timeout_s=3.0)
    assert heard is not None and heard.text == "I felt so alone"


def test_listener_ends_a_finished_turn_early_and_holds_an_unfinished_one() -> None:
    config = replace(CONFIG, early_transcription=False)
    speech = blocks(0.3, 0.0) + blocks(1.5, 0.97)
    # finished: decided at turn_complete_wait_s of silence, the turn marked over
    model = Fixed(0.95)
    fast = StreamListener(ProbSource(speech + blocks(4.0, 0.0)), FirstSample(), Segments(
        Segment(0.3, 1.2, "today", 0.1, -0.2, -30.0)), config, turns=model)
    heard = fast.hear(timeout_s=5.0)
    assert heard is not None and heard.turn_ended and heard.complete_prob == 0.95
    assert abs(heard.decided_s - (1.8 + config.turn_complete_wait_s)) < 0.05
    assert model.calls == 1
    # unfinished, with a 2 s pause: one utterance over both parts
    pause = speech + blocks(2.0, 0.0) + blocks(1.0, 0.97) + blocks(4.0, 0.0)
    slow = StreamListener(ProbSource(pause), FirstSample(), Segments(
        Segment(0.3, 1.2, "and then", 0.1, -0.2, -30.0)), config, turns=Fixed(0.05))
    heard = slow.hear(timeout_s=8.0)
    assert heard is not None and heard.turn_ended
    assert heard.end_s > 4.5  # the speech after the pause is in it
    assert abs(heard.decided_s - (4.8 + config.incomplete_cap_s)) < 0.05


def test_end_of_turn_setting_takes_only_its_two_rules() -> None:
    import pytest

    from facilitator.config import load_config
    from facilitator.errors import ConfigError

    assert load_config(overrides={"listening.end_of_turn": "silence"}).listening.end_of_turn == "silence"
    with pytest.raises(ConfigError, match="use one of: model, silence"):
        load_config(overrides={"listening.end_of_turn": "fast"})

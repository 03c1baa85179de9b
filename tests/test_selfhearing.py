"""The own-words and own-voice rules (facilitator/selfhearing.py, issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from facilitator.config import SpeakersConfig
from facilitator.selfhearing import (
    Playback,
    Voice,
    heard_words,
    own_voice,
    own_voice_threshold,
    own_words,
    same_word,
    score_own_voice,
    spoken_stretch,
)
from facilitator.speakers import Voiceprint

HELLO = (
    "Hello, and welcome. I'll guide the two of you through a conversation to help you find each "
    "other again. We'll go one step at a time, and there's no rush."
)
COMMANDS = "At any moment you can say pause, repeat that, slower, I need a break, or stop."
BREATHE = "Breathe in through your nose for four counts."


def playing(text: str, share: float, total_s: float = 10.0) -> Playback:
    return Playback(text=text, total_s=total_s, played_s=share * total_s)


def test_heard_words_drop_punctuation_and_spell_digits() -> None:
    assert heard_words("We'll go one step at a time, and there's no rush.") == [
        "well", "go", "one", "step", "at", "a", "time", "and", "theres", "no", "rush"]
    assert heard_words("for 4 counts") == ["for", "four", "counts"]


def test_misheard_words_match_but_command_words_only_match_themselves() -> None:
    assert same_word("breed", "breathe")
    assert same_word("conversations", "conversation")
    assert not same_word("stop", "step")
    assert not same_word("step", "stop")
    assert not same_word("they", "the")
    assert same_word("stop", "stop")


def test_echo_of_the_prompt_heard_with_mishearings_is_own() -> None:
    # What Whisper made of the echo at the end of the welcome: no punctuation, two words misheard.
    verdict = own_words("we'll go one stop at a time and there is no rush", 3.0, playing(HELLO, 1.0))
    assert verdict.own
    assert verdict.matched >= 0.6


def test_echo_of_a_breathing_cue_is_own() -> None:
    verdict = own_words("breed in through your nose for 4 counts", 2.5, playing(BREATHE, 0.95, 3.0))
    assert verdict.own
    assert verdict.leftover == ()


def test_a_person_saying_stop_over_step_at_a_time_is_not_own() -> None:
    verdict = own_words("stop", 0.5, playing(HELLO, 0.8))
    assert not verdict.own
    assert verdict.leftover == ("stop",)


def test_stop_is_own_only_while_the_prompt_is_saying_it() -> None:
    # The commands line ends with "or stop": its echo near the end is the facilitator's own ...
    assert own_words("or stop", 0.6, playing(COMMANDS, 1.0, 6.0)).own
    # ... but a person's "stop" at the start of the same line is theirs: the prompt is not there yet.
    assert not own_words("stop", 0.5, playing(COMMANDS, 0.15, 6.0), slack_s=0.5).own


def test_a_command_inside_the_echo_is_left_over_and_the_utterance_is_not_own() -> None:
    verdict = own_words("one step at a time wait", 2.0, playing(HELLO, 0.85))
    assert not verdict.own
    assert verdict.leftover == ("wait",)


def test_a_persons_answer_over_a_prompt_is_not_own() -> None:
    verdict = own_words("yes i'm ready to start", 1.8, playing(HELLO, 0.6))
    assert not verdict.own
    assert verdict.matched < 0.5


def test_nothing_is_own_when_nothing_is_being_said() -> None:
    assert not own_words("one step at a time", 1.5, None).own
    assert not own_words("", 1.0, playing(HELLO, 0.5)).own


def test_the_stretch_follows_playback() -> None:
    start = spoken_stretch(playing(HELLO, 0.1), heard_s=1.0, slack_s=0.5)
    end = spoken_stretch(playing(HELLO, 1.0), heard_s=1.0, slack_s=0.5)
    assert "hello" in start and "rush" not in start
    assert "rush" in end and "hello" not in end


# --- own voice ----------------------------------------------------------------------------------


def test_own_voice_by_margin() -> None:
    people = {"Sam": 0.55, "Alex": 0.40}
    assert own_voice(0.80, people, 0.08).voice is Voice.SELF
    assert own_voice(0.45, people, 0.08).voice is Voice.PERSON
    unsure = own_voice(0.60, people, 0.08)
    assert unsure.voice is Voice.UNSURE
    assert unsure.person == "Sam"
    assert unsure.margin == pytest.approx(0.05)


def test_own_voice_with_no_people_yet() -> None:
    assert own_voice(0.7, {}, 0.08).voice is Voice.SELF
    assert own_voice(0.05, {}, 0.08).voice is Voice.UNSURE


def _print(name: str, centre: np.ndarray, spread: float, seed: int) -> Voiceprint:
    rng = np.random.default_rng(seed)
    windows = centre + spread * rng.standard_normal((12, centre.size))
    windows /= np.linalg.norm(windows, axis=1, keepdims=True)
    return Voiceprint(name, windows.astype(np.float32), 18.0)


def test_threshold_calibrated_like_the_peoples_and_scores_embeddings() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal(256)
    fac_c, sam_c = base + 0.2 * rng.standard_normal(256), base + 0.2 * rng.standard_normal(256)
    fac = _print("facilitator", fac_c, 0.02, 1)
    sam = _print("Sam", sam_c, 0.02, 2)
    config = SpeakersConfig()
    close = own_voice_threshold(fac, [sam], config)
    assert config.min_margin <= close <= config.default_margin
    assert own_voice_threshold(fac, [], config) == config.default_margin
    echo = fac_c / np.linalg.norm(fac_c)
    assert score_own_voice(echo.astype(np.float32), fac, [sam], close).voice is Voice.SELF
    person = sam_c / np.linalg.norm(sam_c)
    assert score_own_voice(person.astype(np.float32), fac, [sam], close).voice is Voice.PERSON


def test_stop_said_in_the_middle_of_the_echo_is_left_over() -> None:
    # One word more than the prompt said there: a person's "stop" inside the echo, not a mishearing.
    verdict = own_words("one step at a time stop and there's no rush", 3.0, playing(HELLO, 1.0))
    assert not verdict.own
    assert verdict.leftover == ("stop",)

"""When a pause ends a turn: the end-of-turn policy (pure, no engines).

People answer each other within about 200 ms of a finished turn, and wait through a pause in the
middle of a thought. So after a short pause (``turn_pause_s``) the end-of-turn model is asked once
how finished the turn sounds:

- confident it is complete: the turn has ended once the silence reaches ``turn_complete_wait_s``
  (the model also calls the pause after a first sentence finished, so it is not answered at once);
- sure it is not (a clause cut off, "and then... I just felt"): keep listening, up to
  ``incomplete_cap_s`` of silence; not for speech under ``hold_min_speech_s`` (a continuer such
  as "yeah, okay" sounds unfinished too, and must stay apart from the sharer going on);
- unsure: wait the old fixed silence (``stop_s``) and let the session's own rules decide, as
  without the model. When unsure, wait.

Without the model ("silence"), an utterance ends after ``stop_s`` of silence, as before. Either way
an utterance longer than ``piece_s`` is passed on at its next short pause, as a piece of a longer
turn, so Whisper hears every word of a one-minute share; a piece never ends the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from facilitator.config import ListeningConfig


class Step(Enum):
    """What the listener does at this block."""

    WAIT = "wait"
    """Keep listening."""
    ASK = "ask"
    """Ask the end-of-turn model about the audio so far, then decide again with its answer."""
    END = "end"
    """Pass the utterance on now."""


@dataclass(frozen=True)
class Decision:
    """The step, and for END whether the turn itself has ended (not only the utterance)."""

    step: Step
    turn_ended: bool = False


WAIT = Decision(Step.WAIT)
ASK = Decision(Step.ASK)


def decide(
    config: ListeningConfig, silence_s: float, speech_s: float, prob: float | None, model: bool
) -> Decision:
    """The step for an utterance in its trailing silence.

    Args:
        config: The listening settings.
        silence_s: Silence since the speech stopped (s).
        speech_s: Length of the speech before it (s).
        prob: The model's answer for this pause, or None when not asked yet.
        model: Whether an end-of-turn model is in use (else the silence rule).
    """
    if silence_s < config.turn_pause_s:
        return WAIT
    if not model:
        if silence_s >= config.stop_s:
            return Decision(Step.END)
        return Decision(Step.END) if speech_s >= config.piece_s else WAIT
    if prob is None:
        return ASK
    if prob >= config.turn_complete_min:
        wait_s = max(config.turn_pause_s, config.turn_complete_wait_s)
        return Decision(Step.END, turn_ended=True) if silence_s >= wait_s else WAIT
    if speech_s >= config.piece_s:
        return Decision(Step.END)
    if prob < config.turn_incomplete_max and speech_s >= config.hold_min_speech_s:
        return Decision(Step.END, turn_ended=True) if silence_s >= config.incomplete_cap_s else WAIT
    return Decision(Step.END) if silence_s >= config.stop_s else WAIT


def hold_s(config: ListeningConfig, model: bool) -> float:
    """The longest trailing silence the policy can wait through: the segmenter's own stop silence."""
    if not model:
        return config.stop_s
    # Every wait the policy can choose, so the segmenter's backstop never ends a turn before it.
    return max(config.stop_s, config.incomplete_cap_s, config.turn_complete_wait_s)

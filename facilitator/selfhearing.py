"""Whether speech heard while the facilitator speaks is its own: the own-words and own-voice rules.

Pure core (issue 13). Echo cancellation removes most of the facilitator's voice from the
microphone, but not all of it on laptop speakers; what is left can reach Whisper. Two further
defences decide, for an utterance heard during (or just after) playback, whether it is the
facilitator hearing itself:

- **Its own words** (``own_words``): the transcript is matched, fuzzily and in order, against the
  words of the prompt being spoken around the moment the utterance was heard. Whisper hears the
  echo without punctuation and with misheard words ("breathe" as "breed", "four" as "4"), so words
  match when they are close in spelling, not only when equal. A command word ("stop", "pause",
  "wait", ...) matches only itself, and only when the prompt says it in that stretch: a person's
  "stop" over "one step at a time" stays a person's "stop". Words the prompt does not explain are
  handed back (``leftover``), so a command said over the echo is still acted on.
- **Its own voice** (``own_voice``): a voiceprint of the facilitator's voice, scored like the
  people's (facilitator/speakers.py): the margin between the cosine to the facilitator print and
  the best cosine to a person's print, against a threshold calibrated the same way. Below the
  threshold the answer is "unsure", and the caller falls back on the own-words rule.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import numpy.typing as npt

from facilitator.config import SpeakersConfig
from facilitator.speakers import Voiceprint, calibrate
from facilitator.turns import words

COMMAND_WORDS = frozenset(
    "stop pause wait hold repeat again slower slow quit end break resume continue".split()
)
"""Words that name a voice command: matched only exactly, never fuzzily, against the prompt."""

_NUMBERS = dict(
    zip(
        "0 1 2 3 4 5 6 7 8 9 10 11 12 20 30 60".split(),
        "zero one two three four five six seven eight nine ten eleven twelve twenty thirty sixty".split(),
        strict=True,
    )
)


def heard_words(text: str) -> list[str]:
    """Whisper's text as comparable words: lower case, no punctuation, digits spelt out."""
    out = []
    for w in words(text.replace("-", " ")):
        w = w.replace("'", "")
        out.append(_NUMBERS.get(w, w))
    return out


def same_word(heard: str, said: str, min_ratio: float = 0.75) -> bool:
    """Whether ``heard`` may be Whisper's hearing of ``said`` (a command word only as itself)."""
    if heard == said:
        return True
    if heard in COMMAND_WORDS or said in COMMAND_WORDS:
        return False
    if min(len(heard), len(said)) < 4:
        return False  # "a"/"i", "the"/"they": too short to tell a mishearing from another word
    ratio = SequenceMatcher(None, heard, said).ratio()
    return ratio >= min_ratio or (heard[0] == said[0] and ratio >= min_ratio - 0.15)


@dataclass(frozen=True)
class Playback:
    """The prompt being spoken, and how far playback has got, when an utterance is heard."""

    text: str
    """The prompt's text as spoken."""
    total_s: float
    """Length of its audio (s)."""
    played_s: float
    """How much of it had been played when the utterance ended (s); ``total_s`` once it ended."""


@dataclass(frozen=True)
class OwnWords:
    """The own-words rule's answer for one utterance."""

    own: bool
    """The utterance is the facilitator's own words (drop it)."""
    matched: float
    """Share of the heard words that the prompt explains, misheard ones included (0-1)."""
    leftover: tuple[str, ...]
    """Heard words the prompt does not explain, in order (a person's words inside the echo)."""


def spoken_stretch(playback: Playback, heard_s: float, slack_s: float = 1.5) -> list[str]:
    """The prompt's words that may have been playing while an utterance of ``heard_s`` was heard.

    Word positions are estimated from the share of audio played (words spread evenly); the
    stretch reaches ``slack_s`` either side, for the echo's delay, Whisper's timing and uneven
    speech.
    """
    said = heard_words(playback.text)
    if not said or playback.total_s <= 0:
        return said
    per_word_s = playback.total_s / len(said)
    end_s = min(playback.played_s, playback.total_s) + slack_s
    start_s = end_s - heard_s - 2 * slack_s
    first = max(0, int(np.floor(start_s / per_word_s)))
    last = min(len(said), int(np.ceil(end_s / per_word_s)))
    return said[first:last]


def _align(heard: list[str], said: list[str]) -> list[int | None]:
    """For each heard word, the said word it matches in order (fuzzy longest common subsequence)."""
    n, m = len(heard), len(said)
    table = np.zeros((n + 1, m + 1), dtype=np.int32)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if same_word(heard[i - 1], said[j - 1]):
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    matched: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if same_word(heard[i - 1], said[j - 1]) and table[i, j] == table[i - 1, j - 1] + 1:
            matched[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif table[i - 1, j] >= table[i, j - 1]:
            i -= 1
        else:
            j -= 1
    return matched


def _misheard(matched: list[int | None]) -> list[bool]:
    """Unmatched heard words that stand in for as many prompt words between two matched ones.

    "one stop at a time" over "one step at a time": "stop" sits where "step" was said, so it is
    Whisper mishearing the echo, not a person talking over it. Unmatched words at either end of
    the utterance, or more (or fewer) of them than the prompt words they replace, are not.
    """
    out = [False] * len(matched)
    anchors = [i for i, j in enumerate(matched) if j is not None]
    for a, b in zip(anchors, anchors[1:], strict=False):
        ja, jb = matched[a], matched[b]
        assert ja is not None and jb is not None
        if b - a > 1 and b - a == jb - ja:
            for k in range(a + 1, b):
                out[k] = True
    return out


def own_words(
    text: str, heard_s: float, playback: Playback | None, min_share: float = 0.6, slack_s: float = 1.5
) -> OwnWords:
    """Whether the utterance ``text`` (``heard_s`` long) is the facilitator's own words.

    Own when at least ``min_share`` of its words (all of them, for one or two words) are the
    prompt's words of that stretch in their order, and what is left over holds no command word.
    A word heard in the place of a prompt word (between two matched ones, one for one) counts
    as a mishearing of the prompt, command word or not. With no playback nothing is own.
    """
    heard = heard_words(text)
    if not heard or playback is None:
        return OwnWords(False, 0.0, tuple(heard))
    matched = _align(heard, spoken_stretch(playback, heard_s, slack_s))
    misheard = _misheard(matched)
    explained = [j is not None or m for j, m in zip(matched, misheard, strict=True)]
    share = sum(explained) / len(heard)
    leftover = tuple(w for w, e in zip(heard, explained, strict=True) if not e)
    needed = 1.0 if len(heard) <= 2 else min_share
    own = share >= needed and not any(w in COMMAND_WORDS for w in leftover)
    return OwnWords(own, share, leftover)


# --- its own voice -----------------------------------------------------------------------------


class Voice(enum.Enum):
    """Whose voice an utterance is, by voiceprints."""

    SELF = "self"
    PERSON = "person"
    UNSURE = "unsure"


FACILITATOR = "facilitator"
"""The name the facilitator's own voiceprint goes by."""


@dataclass(frozen=True)
class OwnVoice:
    """The own-voice rule's answer for one utterance."""

    voice: Voice
    margin: float
    """Cosine to the facilitator print less the best cosine to a person's print."""
    person: str | None
    """The closest person (None: no people's prints)."""


def own_voice_threshold(
    facilitator: Voiceprint, people: Sequence[Voiceprint], config: SpeakersConfig | None = None
) -> float:
    """The margin threshold for telling the facilitator's voice from these people's.

    As for two people (speakers.calibrate): from how well the enrolment windows separate,
    taking the pair that separates least, so no person is mistaken for the facilitator.
    """
    config = config or SpeakersConfig()
    if not people:
        return config.default_margin
    return min(calibrate(facilitator, person, config) for person in people)


def own_voice(cos_self: float, cos_people: Mapping[str, float], threshold: float) -> OwnVoice:
    """Decide self / person / unsure from cosine scores, with the speakers' margin idea.

    The facilitator's voice when its cosine beats every person's by ``threshold`` or more; a
    person's when the best person beats the facilitator by as much; otherwise unsure.
    """
    if not cos_people:
        return OwnVoice(Voice.SELF if cos_self >= threshold else Voice.UNSURE, cos_self, None)
    person, best = max(cos_people.items(), key=lambda item: item[1])
    margin = cos_self - best
    if margin >= threshold:
        return OwnVoice(Voice.SELF, margin, person)
    if -margin >= threshold:
        return OwnVoice(Voice.PERSON, margin, person)
    return OwnVoice(Voice.UNSURE, margin, person)


def score_own_voice(
    embedding: npt.NDArray[np.float32],
    facilitator: Voiceprint,
    people: Sequence[Voiceprint],
    threshold: float,
) -> OwnVoice:
    """``own_voice`` for a unit-length embedding of the utterance."""
    cos_self = float(embedding @ facilitator.vector)
    return own_voice(cos_self, {p.name: float(embedding @ p.vector) for p in people}, threshold)

"""Gentle coaching lines: toward "I" language in a share, and toward a fuller reflection when one misses.

Issue 5. Each function returns ONE short, warm invitation (or None); the session decides when to
say it (after the hand-off, never interrupting, at most once per share). Wording is our own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from facilitator import lexicon

# Thought dressed as a feeling: "I feel that you...", "I feel like you..." (Gottman, NVC).
_THOUGHT_AS_FEELING = re.compile(
    r"\bi (?:feel|felt|am feeling|was feeling) (?:that |like |as if |as though )?you\b"
    r"|\bit (?:feels|felt) (?:like|as if|as though) you\b"
)
# Harsh start-up: absolutes and labels aimed at the other person.
_ABSOLUTES = re.compile(
    r"\byou (?:are |were |have |had |will |would )?(?:always|never|constantly)\b"
    r"|\byou (?:do|did) not ever\b|\byou (?:not once|every single time)\b"
)
# Warm words after "you're so" / "you make me" are not harsh start-up.
_KIND_WORDS = (
    r"(?!kind|sweet|good|great|wonderful|amazing|important|patient|caring|loving|thoughtful|beautiful"
    r"|smart|special|supportive|brave|strong|funny|generous|lovely|gentle|helpful|dear|precious"
    r"|safe|happy|loved|calm|better|seen|heard|whole|laugh|smile)"
)
_LABELS = re.compile(
    rf"\byou (?:are|were) (?:so|such an?|always so|being so|just so|too|really so) {_KIND_WORDS}\w+"
    r"|\byou (?:are|were) (?:an? )?(?:selfish|lazy|useless|rude|cold|mean|careless|inconsiderate"
    r"|impossible|ridiculous|pathetic|childish|crazy|hopeless|controlling|clueless|thoughtless)\b"
    rf"|\byou make me (?:feel )?+(?:so )?+{_KIND_WORDS}\w+"
)

# The feelings that often sit under a faux feeling; offered as gentle examples, never as labels.
_UNDER_FAUX: dict[str, tuple[str, str]] = {
    "ignored": ("lonely", "hurt"),
    "abandoned": ("scared", "lonely"),
    "misunderstood": ("frustrated", "sad"),
    "betrayed": ("hurt", "shaken"),
    "unappreciated": ("sad", "lonely"),
    "disrespected": ("hurt", "angry"),
    "controlled": ("frustrated", "hemmed in"),
}

_CONTRACTIONS = (
    (re.compile(r"\byou're\b|\byoure\b"), "you are"),
    (re.compile(r"\bi'm\b|\bim\b"), "i am"),
    (re.compile(r"\b(do|did|were|are|have)n'?t\b"), r"\1 not"),
)


def _plain(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    for pattern, full in _CONTRACTIONS:
        text = pattern.sub(full, text)
    words = [w for w in re.findall(r"[a-z']+", text) if w not in lexicon.FILLERS]
    return " ".join(words)


def share_coaching(text: str) -> str | None:
    """One soft invitation toward "I" language for a share, or None when the share needs none.

    Looks for "I feel that/like you ...", "you always/never", "you're so ...", and faux feelings
    ("ignored", "abandoned") with no feeling under them. Never raises; empty text gives None.
    """
    plain = _plain(text or "")
    if not plain:
        return None
    words = plain.split()
    found = lexicon.find_feelings(words)
    named = [family for _, _, family in found if not lexicon.is_faux(family)]
    if _THOUGHT_AS_FEELING.search(plain):
        return "That sounds like a thought about them. What did it feel like inside you? Maybe 'I felt ...'."
    if _ABSOLUTES.search(plain):
        if named:
            return "'Always' and 'never' are hard to hear. Could you tell one moment, and how it was for you?"
        return "Could you pick one moment instead of 'always' or 'never', and say how you felt in it?"
    if _LABELS.search(plain):
        return "Could you tell them what you felt, rather than what they are? Try 'I felt ...'."
    faux = [(words[a:b], family) for a, b, family in found if lexicon.is_faux(family)]
    if faux and not named:
        said = " ".join(faux[0][0])
        if said.startswith("not "):
            said = "like you were " + said  # "not important" -> "like you were not important"
        first, second = _UNDER_FAUX[faux[0][1]]
        return f"You said you felt {said}. Under that, was there something like {first}, or {second}?"
    return None


def _join(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def miss_coaching(kind: str, missing: Sequence[str], caught: bool = True) -> str:
    """The invitation after a reflection that missed, by reason (``Kind`` value) and the feelings left out.

    Args:
        kind: why the reflection was not accepted (a ``reflection.Kind`` value).
        missing: the sharer's feeling words the reflection did not carry, as they said them.
        caught: whether the reflection carried some of what happened (words of the share).
    """
    felt = f" They said they felt {_join(list(missing[:3]))}." if missing else ""
    if kind == "missing_feelings":
        if not caught:
            return f"Try saying back what they told you, and how they felt: {_join(list(missing[:3]))}."
        return f"You caught what happened. Can you add how they felt: {_join(list(missing[:3]))}?"
    if kind == "rebuttal":
        if missing:
            return f"Your side gets its turn soon. For now, just what they felt: {_join(list(missing[:3]))}."
        return "Your side matters, and it gets its turn soon. For now, just what happened for them."
    if kind == "own_side":
        if missing:
            felt_words = _join(list(missing[:3]))
            return f"Your view gets its turn soon. For now, stay with how it was for them: {felt_words}."
        return "Your view gets its turn soon. For now, stay with how it was for them."
    if kind == "advice":
        return "No fixing yet. Just say back what you heard, maybe starting 'What I heard is ...'." + felt
    if kind == "own_story":
        return "Stay with their story for now; yours comes later. What did they go through?" + felt
    if kind == "question":
        return "Instead of asking, try saying back what you heard: 'What I heard is ...'." + felt
    if kind == "off_topic":
        return "Try saying back what they just told you, starting with 'What I heard is ...'." + felt
    if kind == "empty":
        return "Take your time. When you are ready, say back what you heard: 'What I heard is ...'."
    if kind == "unclear":
        return "I could not follow that. Could you say back what you heard, in a few plain English words?"
    return "Try starting with 'What I heard is ...', and name how they felt." + felt

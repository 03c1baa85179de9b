"""Reading the reply once: questions, checks, who it speaks about, and the sentences the model sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from facilitator import lexicon
from facilitator.reflection.patterns import (
    _ADVICE,
    _CHECK_FRAME,
    _CHECKS,
    _FRAMES,
    _ME,
    _OPENERS,
    _REBUTTAL,
    _TAIL_CHECK,
    _VALIDATION,
    _YOU,
)
from facilitator.reflection.text import _Sentence, _strip_discourse


@dataclass(frozen=True)
class _Reading:
    """Everything the decision needs about the reply, measured once."""

    words: tuple[str, ...]
    text: str
    rebuttal: bool
    advice: bool
    question: bool
    """The last sentence is a real question (not a check such as "is that right?")."""
    you_n: int
    me_n: int
    opener: bool
    validation: bool
    asked: bool
    """The last statement ended with "?": a tentative reflection, or a probe for new facts."""
    earlier_question: bool
    """A real question before the last sentence."""
    sentences: int
    """Sentences with words left after the discourse markers."""
    summing_up: bool
    """The reply opens with "so" (after fillers): the usual way into a reflection."""
    views: tuple[tuple[tuple[str, ...], bool], ...] = ()
    """Each sentence as the reflection model reads it, (words, asked): a check ("did I get that ...",
    "..., is that right?") becomes the token "<check>" and the sentence a statement."""


_WH = frozenset({"what", "why", "how", "when", "where", "who", "which", "whose", "whom"})
_AUX = frozenset({"do", "does", "did", "are", "is", "was", "were", "have", "has", "can", "could", "would",
                  "will", "should", "may", "shall", "am"})
_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "this", "there"})
_ASKING = re.compile(
    r"^(?:tell me|say more)\b|(?<!to )(?<!you )(?<!they )\btell me (?:a little|a bit|more|about|what|how|why"
    r"|when|where|if|something)|\b(?:can you tell|could you tell|can we talk about|can i ask|may i ask"
    r"|i wonder (?:if i|if we|what|how|whether|why)|i am wondering (?:what|how|if i|why))\b"
)


def _is_question(sentence: _Sentence, text: str) -> bool:
    """A real question (not a check like "is that right?"), asked with "?" or phrased as one.

    "What I heard is..." and "how you felt" are statements: a wh-word directly followed by its
    subject opens a clause, not a question; "what do you", "how long have you" ask.
    """
    if _CHECKS.match(text) or _TAIL_CHECK.search(text) and len(sentence.words) <= 4:
        return False
    words = text.split()
    if not words:
        return False
    if _ASKING.search(text):
        return True
    if words[0] in _AUX and len(words) > 1 and (words[1] in _PRONOUNS | _YOU or words[1] == "not"):
        return True
    if words[0] in _WH and (len(words) == 1 or words[1] not in _PRONOUNS | {"to", "it", "a", "an"}) and (
            sentence.asked or words[0] in {"why", "who", "whose", "which"} or len(words) == 1
            or words[1] in _AUX or words[1] in {"much", "many", "long", "often", "else"}):
        return True
    if sentence.asked:
        for i, word in enumerate(words[1:], start=1):
            after = words[i + 1] if i + 1 < len(words) else ""
            if word in _WH and (not after or after in _AUX or after in {"about", "else", "if"}):
                return True  # "..., what do you think?", "acting out would be what?"
            if word in _WH and after in {"much", "many", "long", "often"} and i + 2 < len(words) \
                    and words[i + 2] in _AUX:
                return True
        if words[0] in {"or", "any", "anything", "anybody", "anyone", "anywhere"} or words[-1] == "or":
            return True
    return False


def _feeling_check(text: str) -> bool:
    """True for a question that offers a feeling back, a check: "are you feeling alone?"."""
    words = text.split()
    if len(words) < 3 or words[0] not in {"are", "were", "do", "did"} or words[1] != "you":
        return False
    return any(start <= 5 for start, _, _ in lexicon.find_feelings(words[:8]))


_SO_OPENERS = {("and", "so"), ("okay", "so"), ("yeah", "so"), ("right", "so")}


def _read(sentences: list[_Sentence]) -> _Reading:
    statements: list[str] = []
    last_is_question = False
    earlier_question = False
    asked = False
    kept = 0
    views: list[tuple[tuple[str, ...], bool]] = []
    for sentence in sentences:
        words = _strip_discourse(sentence.words)
        lead = sentence.words[: len(sentence.words) - len(words)]
        views.append((sentence.words, sentence.asked))
        if not words:
            continue
        kept += 1
        earlier_question = earlier_question or last_is_question
        text = " ".join(words)
        frame = _CHECK_FRAME.match(text)
        if frame and frame.end() < len(text):
            statements.append(text[frame.end():])  # "did I get that you felt ..." -> the reflection inside
            views[-1] = ((*lead, "<check>", *text[frame.end():].split()), False)
            last_is_question = asked = False
            continue
        checked = _TAIL_CHECK.search(text) if len(words) > 4 else None
        if checked:  # "..., isn't it?", "..., is that right?": a reflection offered for checking
            text = text[: checked.start()].strip()
            views[-1] = ((*lead, *text.split(), "<check>"), False)
        if _is_question(sentence, text):
            if not _feeling_check(text):
                last_is_question = True
                continue
            views[-1] = ((*lead, "<check>", *words), False)  # "are you feeling alone?" offers a feeling
        if _CHECKS.match(text) and len(words) <= 6:
            views[-1] = ((*lead, "<check>"), False)
            continue  # a bare check: "is that right?"
        statements.append(text)
        last_is_question = False
        asked = sentence.asked and not checked
    body = " ".join(statements)
    texts = [" ".join(_strip_discourse(s.words)) for s in sentences]
    all_text = " ".join(texts)
    words = tuple(body.split())
    unframed = _FRAMES.sub(" ", body)
    unframed_words = unframed.split()
    you_n = sum(1 for w in unframed_words if w in _YOU) - len(re.findall(r"\byou know\b", unframed))
    me_n = sum(1 for w in unframed_words if w in _ME)
    return _Reading(
        words=words,
        text=body,
        rebuttal=any(_REBUTTAL.search(text) for text in texts),
        advice=any(_ADVICE.search(text) for text in texts),
        question=last_is_question,
        you_n=max(0, you_n),
        me_n=me_n,
        opener=bool(_OPENERS.search(body)),
        validation=bool(_VALIDATION.search(all_text)),
        asked=asked,
        earlier_question=earlier_question,
        sentences=kept,
        summing_up=any(s.words[:1] == ("so",) or s.words[:2] in _SO_OPENERS for s in sentences[:2]),
        views=tuple(views),
    )


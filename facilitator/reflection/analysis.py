"""Reading the share and the pair: feelings carried, words shared, the listener's own side."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from facilitator import lexicon
from facilitator.reflection.outcome import Kind
from facilitator.reflection.patterns import (
    _ADVICE,
    _CHECKS,
    _ENGLISH_HINTS,
    _FRAMES,
    _ME,
    _NON_LATIN,
    _REBUTTAL,
    _REPORTED,
    _TAIL_CHECK,
    _VALIDATION,
    _YOU,
)
from facilitator.reflection.reading import _read, _Reading
from facilitator.reflection.text import _neutral, _sentences, _strip_discourse


@dataclass(frozen=True)
class _Share:
    feelings: tuple[tuple[str, str], ...]
    """(as said, family), one per family, in order."""
    content: frozenset[str]
    asked: bool
    """The share's last sentence ended with "?" (the sharer asked something)."""
    said: str = ""
    """The share's words with the persons folded together (``_neutral``), to find them said back."""


def _read_share(text: str) -> _Share:
    words: list[str] = []
    seen: dict[str, str] = {}
    sentences = _sentences(text)
    for sentence in sentences:
        for start, end, family in lexicon.find_feelings(sentence.words):
            if _sharers(sentence.words, start):
                seen.setdefault(family, " ".join(sentence.words[start:end]))
        words.extend(sentence.words)
    return _Share(
        feelings=tuple((said, family) for family, said in seen.items()),
        content=frozenset(lexicon.content_keys(words)),
        asked=bool(sentences) and sentences[-1].asked,
        said=_neutral(words),
    )


_OTHERS = frozenset({"you", "he", "she", "they", "your", "his", "her", "their"})
_SELF = frozenset({"i", "me", "my", "myself", "we", "us", "it"})


def _sharers(words: tuple[str, ...], start: int) -> bool:
    """True when the feeling at ``start`` is the sharer's own, not the listener's or someone else's.

    "I felt scared when you were angry" gives "scared", not "angry". The nearest person word before
    the feeling decides ("you made me feel small" is the sharer's).
    """
    for word in reversed(words[max(0, start - 6) : start]):
        if word in _SELF:
            return True
        if word in _OTHERS:
            return False
    return True


def _after(words: list[str] | tuple[str, ...], subjects: frozenset[str]) -> list[str]:
    """Words within four after a subject pronoun: what that person did or felt."""
    out: list[str] = []
    for i, word in enumerate(words):
        if word in subjects:
            out.extend(words[i + 1 : i + 5])
    return out


def _overlap(share: frozenset[str], reply: set[str]) -> set[str]:
    """Reply keys found in the share: exactly, or one letter apart (a recognition slip)."""
    found = reply & share
    by_length: dict[int, list[str]] = {}
    for key in share:
        if len(key) >= 4:
            by_length.setdefault(len(key), []).append(key)
    for key in reply - found:
        if len(key) < 5:
            continue
        candidates = [k for size in (len(key) - 1, len(key), len(key) + 1) for k in by_length.get(size, ())]
        if any(lexicon.near(key, other) for other in candidates):
            found.add(key)
    return found


def _english(words: tuple[str, ...]) -> bool:
    if len(words) < 4:
        return True
    hits = sum(1 for w in words if w in _ENGLISH_HINTS)
    return hits / len(words) >= 0.15


# --- the decision -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    """The share and the reply read once: what the rules and the reflection model both use."""

    feelings: tuple[str, ...]
    carried: tuple[str, ...]
    missing: tuple[str, ...]
    reading: _Reading
    share_asked: bool
    share_content: int
    """Content words (keys) in the share."""
    reply_keys: int
    shared: int
    """Reply content words found in the share."""
    names_a_feeling: bool
    own_new: int
    """Content words after the listener's "I" that the sharer never said."""
    early: Kind | None
    """EMPTY or UNCLEAR when the reply cannot be read at all."""
    listener_feels: bool = False
    """The listener names a feeling of their own ("I feel lonely too"): their side, which comes later."""
    own_clause: bool = False
    """The listener tells something of their own ("the thing is I had three meetings"), not in the share."""


def _analyse(share: str, reflection: str) -> _Analysis:
    the_share = _read_share(share or "")
    feelings = tuple(said for said, _ in the_share.feelings)
    raw_sentences = _sentences(reflection or "")
    all_words = tuple(w for s in raw_sentences for w in s.words)
    early: Kind | None = None
    if _NON_LATIN.search(reflection or "") and len(all_words) < 3 or all_words and not _english(all_words):
        early = Kind.UNCLEAR
    elif not raw_sentences:
        early = Kind.EMPTY
    reading = _read(raw_sentences)
    spoken = [_strip_discourse(s.words) for s in raw_sentences]  # each sentence without "okay so yeah"
    # "You said it was no big deal" or "when I said you were overreacting" say the share back: they do
    # not advise or defend, though the phrases alone would.
    if reading.advice:
        reading = replace(reading, advice=_says_own(_ADVICE, spoken, the_share.said))
    if reading.rebuttal:
        reading = replace(reading, rebuttal=_says_own(_REBUTTAL, spoken, the_share.said))
    reply_families = [family for _, _, family in lexicon.find_feelings(list(all_words), reply=True)
                      ] if not early else []
    carried = tuple(
        said for said, family in the_share.feelings
        if any(lexicon.families_match(family, other) for other in reply_families)
        or _misheard_in(said, all_words)
    )
    reply_keys = lexicon.content_keys(reading.words)
    shared = _overlap(the_share.content, reply_keys)
    # The listener's "I" is fine when it mirrors what the sharer said about them ("when I went quiet").
    own_keys = lexicon.content_keys(_after(reading.words, _ME))
    own_new = own_keys - _overlap(the_share.content, own_keys)
    unframed = [] if early else _FRAMES.sub(" ", reading.text).split()
    return _Analysis(
        listener_feels=_listener_feels(unframed),
        own_clause=not early and (any(
            _own_clause(_FRAMES.sub(" ", " ".join(words)).split(), the_share.content) for words in spoken
        ) or _ends_on_own_side(spoken, the_share.content, the_share.said)),
        feelings=feelings,
        carried=carried,
        missing=tuple(said for said in feelings if said not in carried),
        reading=reading,
        share_asked=the_share.asked,
        share_content=len(the_share.content),
        reply_keys=len(reply_keys),
        shared=len(shared),
        names_a_feeling=bool(reply_families),
        own_new=len(own_new),
        early=early,
    )


_OWN_FEELING_LINKS = frozenset("""
    feel felt feeling am was been have get got getting so really very pretty quite a bit little kind of sort
    too also just still honestly totally completely always often sometimes all the time even more extremely
    incredibly super and
""".split())
_REPORTING = frozenset("""
    like that if thought think said say when while because after before how what as whether felt feel seemed
    knew know understood understand realized realize saw see noticed heard told mentioned thinking assumed
    guessed saying accusing
""".split())


def _listener_feels(words: list[str]) -> bool:
    """Whether the listener names a feeling of their own ("I feel lonely too", "I was drowning").

    Only "I" + feel/be words + feeling counts, not a reported one ("you felt like I was angry") and not
    remorse ("I feel guilty").
    """
    for i, word in enumerate(words):
        if word != "i" or i > 0 and words[i - 1] in _REPORTING:
            continue
        end = i + 1
        while end < len(words) and end - i <= 6 and words[end] in _OWN_FEELING_LINKS:
            end += 1
        if end == i + 1:
            continue
        found = lexicon.find_feelings(words[end : end + 4])
        if found and found[0][0] == 0 and found[0][2] != "guilty":
            return True
    return False


def _misheard_in(feeling: str, words: tuple[str, ...]) -> bool:
    """Whether a long feeling word of the share came back misheard: "this appointed" for "disappointed".

    Only for single words of 8+ letters, against one reply word or two run together, at most two
    letters apart: short words have too many real neighbours.
    """
    if " " in feeling or len(feeling) < 8:
        return False
    for i, word in enumerate(words):
        for heard in (word, word + words[i + 1] if i + 1 < len(words) else ""):
            if heard and abs(len(heard) - len(feeling)) <= 2 \
                    and (heard[-3:] == feeling[-3:] or heard[:2] == feeling[:2]) \
                    and lexicon.edits(heard, feeling, 2) <= 2:
                return True
    return False


_CLAUSE_OPENERS = frozenset({"like", "if", "whether", "sure"})
_OBJECT_AFTER = frozenset("hear get understand see tell told love thank asked know heard believe trust"
                          .split())


def _sharer_speaks(words: tuple[str, ...]) -> bool:
    """Whether the clause before a "because" has the sharer ("you") as its last subject."""
    for k in range(len(words) - 1, -1, -1):
        if words[k] == "i":
            return False
        if words[k] == "you":
            return (k == 0 or words[k - 1] not in _OBJECT_AFTER) and k + 1 < len(words)
    return False


_SUBORDINATE = frozenset("""
    when because that like after while if how what as before since until where whenever why who which
    even though although so that said say says told feel felt think thought know knew sure
""".split())


def _own_clause(words: list[str], share: frozenset[str]) -> bool:
    """Whether the listener opens a sentence of their own with two or more things the sharer never said.

    "The thing is I had three meetings back to back" tells the listener's side. "You felt alone when I
    went quiet" does not: the "I" comes after "you" in a sentence about the sharer's experience.
    """
    if _CHECKS.match(" ".join(words)):
        return False  # "have I understood that properly?"
    for k, word in enumerate(words):
        if word in _YOU:
            return False
        if word != "i" or k and words[k - 1] in _SUBORDINATE:
            continue
        keys = lexicon.content_keys(words[k + 1 : k + 7])
        if len(keys - _overlap(share, keys)) >= 2:
            return True
    return False


_OWNS_PART = re.compile(
    r"\b(?:i should (?:not )?have|i was wrong|my fault|i messed up|i regret|i am sorry)\b"
)


def _ends_on_own_side(sentences: list[tuple[str, ...]], share: frozenset[str], said: str) -> bool:
    """Whether a reply of several sentences ends on the listener's side of things.

    "You felt alone at the appointment. My boss would not let me leave, so there was not much I could
    do": the last sentence speaks of the listener ("I", "my"), names no feeling and carries at most one
    word of the share. Validation and apology ("I can only imagine", "I am so sorry") are not a side.
    """
    kept = [words for words in sentences if words]
    if len(kept) < 2:
        return False
    words = list(kept[-1])
    text = " ".join(words)
    me_n, you_n = sum(w in _ME for w in words), sum(w in _YOU for w in words)
    if len(words) < 5 or me_n <= you_n or _VALIDATION.search(text) or _OWNS_PART.search(text):
        return False
    if _CHECKS.match(text) or _TAIL_CHECK.search(text) or lexicon.find_feelings(words):
        return False
    if any(_neutral(words[i : i + 4]) in said for i in range(len(words) - 3)):
        return False  # the sharer's own words said back: "I was on my laptop more than with you"
    return len(_overlap(share, lexicon.content_keys(words))) <= 1



def _says_own(pattern: re.Pattern[str], sentences: list[tuple[str, ...]], said: str) -> bool:
    """Whether ``pattern`` matches somewhere in the reply that is not the share said back.

    A match is the share said back when, with the persons swapped ("I was" for "you were"), it is in
    the share and either follows a report ("you said", "when", "like") or starts a stretch of five or
    more words found in the share ("because I was at work till ten"). "Well, I was tired" said on its
    own is a defence even when the sharer said "you were tired".
    """
    for words in sentences:
        text = " ".join(words)
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            pos = m.start() + 1  # overlapping: "but I was exhausted" is also "I was exhausted"
            first = text[: m.start()].count(" ")
            if words[first : first + 2] == ("because", "i") and _sharer_speaks(words[:first]):
                continue  # "you felt lonely because I was at work": the cause of their feeling, not a defence
            if words[first] == "you" and first and words[first - 1] in _CLAUSE_OPENERS:
                continue  # "you do not feel like you can trust me": the sharer's doubt, not advice
            if {"if", "whether"} & set(words[max(0, first - 3) : first]):
                continue  # "you wondered if it was your fault": a doubt reported, not a claim
            last = first + len(m.group(0).split())
            if _neutral(words[first:last]) not in said:
                return True
            if _REPORTED.search(text[: m.start()]):
                continue
            while last < len(words) and _neutral(words[first : last + 1]) in said:
                last += 1
            if last - first < 5:
                return True
    return False


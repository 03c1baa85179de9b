"""The words of a share, read and turned: tokens, stutters, contractions, feelings, pronouns.

Issue 15, for facilitator.mirror. "I felt" becomes "you felt", the sharer's "you" becomes "they"
(or "them", or the partner's name where the grammar allows), "we" becomes "you two". Pure data
and functions; the lexicon is the judge's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facilitator import lexicon

SUBORDINATE = frozenset({"when", "whenever", "after", "because", "since", "if", "before", "while", "once",
                         "until", "as"})
CONJUNCTIONS = frozenset({"and", "but", "so", "or", "then", "because", "when", "though", "although"})


@dataclass
class Token:
    """One word (or punctuation mark) of a share."""

    text: str
    """As written (case kept), or as turned."""
    low: str
    """Lower case, curly apostrophes made straight."""


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*|[.!?;:,]|--|\u2014|\u2013")
_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_FILLER_PAIRS = (("you", "know"), ("i", "mean"))
_KNOWN_THINGS = frozenset({"that", "what", "how", "it", "about", "why", "where", "him", "her", "them", "me",
                           "this"})
# Turning the sharer's first person into the second, and their "you" into the third.
FIRST = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
    "i've": "you've", "i'll": "you'll", "i'd": "you'd", "im": "you're", "ive": "you've",
    "we": "you two", "us": "you two", "our": "your", "ours": "yours", "ourselves": "yourselves",
    "we're": "you two are", "let's": "you two could", "lets": "you two could", "we've": "you two have",
    "we'll": "you two will", "we'd": "you two would",
}
SECOND = {
    "your": "their", "yours": "theirs", "yourself": "themselves", "you're": "they're", "youre": "they're",
    "you've": "they've", "you'll": "they'll", "you'd": "they'd", "yourselves": "themselves",
}
FIRST_PERSON = frozenset(FIRST)
"""The sharer's first-person words; none may be left in a reflection's content (``unturned``)."""
_AFTER_I = {"am": "are", "was": "were", "wasn't": "weren't"}
# "you" followed by one of these is a subject ("they"); otherwise after a verb it is "them".
_SUBJECT_NEXT = frozenset("""
are were was do did does don't didn't doesn't have had has haven't hadn't will would can could should
won't wouldn't can't couldn't shouldn't never always seem seemed must might may aren't weren't
""".split())
_SUBJECT_PREV = SUBORDINATE | CONJUNCTIONS | frozenset({"that", "like", "how", "what", "why", "where",
                                                          "who", "think", "know", "feel", "felt", "wish",
                                                          "hope", "said", "says", "and"})
# With a partner's name: the verb after "you" that must agree with the name ("you were" -> "Sam was").
_NAME_AGREES = {"were": "was", "weren't": "wasn't", "are": "is", "aren't": "isn't", "have": "has",
                "haven't": "hasn't", "do": "does", "don't": "doesn't"}
_NAME_KEEPS = frozenset("""
did didn't had hadn't will would can could should won't wouldn't can't couldn't shouldn't
went said got came forgot left made told took kept gave was must might may
""".split())
_EXPAND = (
    (re.compile(r"^(can)'t$"), ("can", "not")), (re.compile(r"^won't$"), ("will", "not")),
    (re.compile(r"^(\w+)n't$"), None), (re.compile(r"^(\w+)'(m|re|ve|ll|d|s)$"), None),
)
_SUFFIX_WORDS = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}
_OTHERS = frozenset({"you", "he", "she", "they", "your", "his", "her", "their"})
_SELF = frozenset({"i", "me", "my", "myself", "we", "us", "it"})
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_ENGLISH = lexicon.STOPWORDS | frozenset({"not", "was", "felt", "when", "went", "feel"})


def tokens(text: str) -> list[Token]:
    """The words and punctuation of ``text``, without brackets, fillers ("um", "you know") or stutters."""
    found = _TOKEN.findall(_BRACKETS.sub(" ", text))
    raw = [Token(t, t.lower()) for each in found for t in unstutter(each)]
    out: list[Token] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        pair = (tok.low, raw[i + 1].low) if i + 1 < len(raw) else None
        after = raw[i + 2].low if i + 2 < len(raw) else ""
        if pair in _FILLER_PAIRS and not (pair == ("you", "know") and after in _KNOWN_THINGS):
            i += 2  # fillers: "you know", "I mean" (but "you know that ..." is meant)
            continue
        if tok.low in lexicon.FILLERS:
            i += 1
            continue
        if out and out[-1].low == tok.low and tok.low.isalpha() and tok.low not in {"very", "really", "so"}:
            i += 1  # a stutter: "I I felt"
            continue
        out.append(tok)
        i += 1
        for n in (3, 2):  # a repeated phrase: "I'm not I'm not sure"
            if len(out) >= 2 * n and all(t.low[0].isalnum() for t in out[-2 * n :]) and [
                    t.low for t in out[-n:]] == [t.low for t in out[-2 * n : -n]]:
                del out[-n:]
                break
    return out


def unstutter(token: str) -> list[str]:
    """"I-I've" -> ["I've"], "don't-I" -> ["don't", "I"]: a hyphen around a repeat or a pronoun is speech.

    Other hyphenated words ("full-time") stay whole.
    """
    token = token.replace("\u2019", "'")
    parts = [p for p in token.split("-") if p]
    if len(parts) < 2:
        return parts
    lows = [p.lower() for p in parts]
    repeats = any(b.startswith(a) for a, b in zip(lows, lows[1:], strict=False))
    pronoun = any(p in FIRST or p in SECOND or p == "you" for p in lows)
    if not repeats and not pronoun:
        return [token]
    return [p for p, nxt in zip(parts, [*lows[1:], ""], strict=True) if not nxt.startswith(p.lower())]


def expand(low: str) -> list[str]:
    """A token as the lexicon reads it: lower case, contractions spelt out."""
    if low in {"can't", "cant"}:
        return ["can", "not"]
    if low in {"won't", "wont"}:
        return ["will", "not"]
    if low == "im":
        return ["i", "am"]
    if low.endswith("n't"):
        return [low[:-3], "not"]
    base, _, suffix = low.partition("'")
    if suffix in _SUFFIX_WORDS:
        return [base, _SUFFIX_WORDS[suffix]]
    if suffix:
        return [base]
    return [low]


def english(tokens: list[Token], text: str) -> bool:
    """Whether the share reads as English (enough of its words are common English words)."""
    words = [t.low for t in tokens if t.low[0].isalnum()]
    if _NON_LATIN.search(text) and len(words) < 3:
        return False
    if len(words) < 4:
        return True
    return sum(1 for w in words if expand(w)[0] in _ENGLISH) / len(words) >= 0.15


def own_feelings(tokens: list[Token]) -> list[tuple[int, int, str]]:
    """The sharer's own feelings in a clause, as token spans (the nearest person word before decides)."""
    words: list[str] = []
    where: list[int] = []
    for index, tok in enumerate(tokens):
        for word in expand(tok.low):
            words.append(word)
            where.append(index)
    spans: list[tuple[int, int, str]] = []
    for start, end, family in lexicon.find_feelings(words):
        owner = next((w for w in reversed(words[max(0, start - 6) : start]) if w in _SELF | _OTHERS), "i")
        if owner in _SELF:
            spans.append((where[start], where[end - 1] + 1, family))
    return spans


def turn(tokens: list[Token], partner: str | None) -> list[Token]:
    """Pronouns turned around; the tokens keep their places (a turned token may hold two words)."""
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        low = tok.low
        prev = tokens[i - 1].low if i else ""
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if low in FIRST:
            new = FIRST[low]
        elif low in _AFTER_I and (prev in {"i"} or nxt == "i"):
            new = _AFTER_I[low]
        elif low == "you":
            subject = nxt in _SUBJECT_NEXT or not prev or prev in _SUBJECT_PREV or (
                prev in _SUBJECT_NEXT and i == 1)  # "could you ..." at the start of a clause
            new = "they" if subject else "them"
            if partner:
                new = partner if (not subject or nxt in _NAME_KEEPS or nxt in _NAME_AGREES
                                 or nxt.endswith("ed")) else new
        elif low in _NAME_AGREES and prev == "you" and partner and out and out[-1].text == partner:
            new = _NAME_AGREES[low]
        elif low in SECOND:
            new = SECOND[low]
            if partner and low in {"your", "yours"}:
                new = f"{partner}'s"
        else:
            out.append(tok)
            continue
        out.append(Token(new, new.lower()))
    return out

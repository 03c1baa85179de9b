"""What the facilitator says back to a rehearsing person: their share, reflected in the second person.

Issue 15. Pure core, no model: the share is split into clauses; the clauses that name the sharer's
feelings (lexicon.find_feelings, as the judge reads them) and one clause about what happened (a
"when ..." clause, or the fullest other one) are kept; pronouns are turned around ("I felt" ->
"you felt", "you didn't call" -> "they didn't call", or the partner's name); and it is framed as a
listener would ("What I heard is that ... Did I get that?"). It never adds a feeling: every word
of the content comes from the share. At most MAX_WORDS words.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from facilitator import lexicon
from facilitator import share_words as words
from facilitator.errors import InputError
from facilitator.share_words import Token

MAX_WORDS = 40
"""The whole reflection, frame included, is at most this many words."""

OPENERS = ("It sounds like", "So you're saying that")
CHECKS = ("Did I get that?", "Is that right?")
AGAIN_OPENERS = ("Thank you. So it sounds like", "I see. It sounds like")
AGAIN_CHECKS = ("Did I get it this time?", "Did I get that?")
"""The facilitator's own frame; everything between it is the sharer's words, turned."""


@dataclass(frozen=True)
class Reflection:
    """One reflection of a share."""

    text: str
    """What the facilitator says: frame and content."""
    content: str
    """The sharer's words turned to the second person (the part between opener and check)."""
    feelings: tuple[str, ...]
    """The sharer's feelings as they said them, one per feeling family, in order."""
    families: tuple[str, ...] = ()
    """The feeling family of each of ``feelings`` (lexicon names: "lonely", "hurt", ...)."""


@dataclass
class _Clause:
    tokens: list[Token]
    feelings: list[tuple[int, int, str]]
    """(start, end, family) over ``tokens``, the sharer's own only."""
    asked: bool = False
    """The clause ends with a question mark."""
    cont: bool = False
    """A part of a long clause after its first (split at a conjunction): joined without a comma."""


_SENTENCE_END = frozenset({".", "!", "?", ";", ":", "--", "\u2014", "\u2013"})
_LOWER_START = frozenset({"yesterday", "today", "tonight", "last", "lately", "recently", "sometimes",
                          "honestly", "every", "whenever", "since", "maybe", "actually", "instead",
                          "usually", "mostly", "really", "still", "even"})
# A cut clause must not end on a word that needs another after it.
_DANGLING = lexicon.STOPWORDS | frozenset({"they", "their", "them", "you", "your", "were", "because", "felt",
                                           "feel", "feeling", "like", "about", "without", "through",
                                           "very", "really", "so", "getting", "being", "going", "trying"})

def mirror(share: str, partner: str | None = None) -> Reflection:
    """The reflection of ``share``: its feelings and what happened, turned to the second person.

    Args:
        share: what the person said (typed or transcribed; punctuation optional).
        partner: the partner's name, used instead of "they" where the grammar allows.

    Raises:
        InputError: the share is empty, or not in English (one sentence saying what to do).
    """
    clauses = _clauses(share, partner)
    return _frame(clauses, _pick(share, OPENERS), _pick(share, CHECKS))


def mirror_again(share: str, missed: str, partner: str | None = None) -> Reflection:
    """After "not quite": reflect what the person says was missed, and the feelings of the first share.

    Raises:
        InputError: as ``mirror`` (for ``missed``).
    """
    clauses = _clauses(missed, partner)
    earlier: list[_Clause] = []
    try:
        earlier = [c for c in _clauses(share, partner) if c.feelings]
    except InputError:
        pass
    families = {f for c in clauses for _, _, f in c.feelings}
    extra = [c for c in earlier if any(f not in families for _, _, f in c.feelings)]
    return _frame(clauses, _pick(missed, AGAIN_OPENERS), _pick(missed, AGAIN_CHECKS), extra=extra)


def unturned(reflection: Reflection) -> list[str]:
    """First-person words of the sharer left in the content (the benchmark's rule: always empty)."""
    pieces = re.findall(r"[a-z]+(?:'[a-z]+)?", reflection.content.lower().replace("\u2019", "'"))
    return [w for w in pieces if w in words.FIRST_PERSON]


def feeling_families(text: str) -> list[str]:
    """The feeling families named in ``text`` (anyone's), in order."""
    said = [w for t in words.tokens(text) for w in words.expand(t.low)]
    return [family for _, _, family in lexicon.find_feelings(said)]


# --- reading the share -------------------------------------------------------------------------


def _pick(share: str, variants: tuple[str, ...]) -> str:
    """One variant, the same for the same share (so a test, a demo and the speech cache agree)."""
    return variants[zlib.crc32(share.strip().encode("utf-8")) % len(variants)]


def _clauses(share: str, partner: str | None) -> list[_Clause]:
    tokens = words.tokens(share or "")
    empty = not any(t.low[0].isalnum() for t in tokens)
    if empty and any(c.isalpha() and not c.isascii() for c in share or ""):
        raise InputError("I can only reflect shares in English for now; please say it in English.")
    if empty:
        raise InputError("There is nothing to reflect yet; say or type the words of the share.")
    if not words.english(tokens, share):
        raise InputError("I can only reflect shares in English for now; please say it in English.")
    names = {t.text for i, t in enumerate(tokens)
             if i and t.text[:1].isupper() and tokens[i - 1].low not in _SENTENCE_END and t.low != "i"}
    clauses: list[_Clause] = []
    current: list[Token] = []
    sentence_start = True
    for tok in tokens:
        if tok.low in _SENTENCE_END or tok.low == ",":
            if current:
                clauses.append(_Clause(current, [], asked=tok.low == "?"))
            current = []
            sentence_start = sentence_start or tok.low != ","
            continue
        if sentence_start and tok.text not in names and tok.low != "i":
            tok = Token(tok.low, tok.low)  # "When ..." inside the reflection, but "Donna" stays
        sentence_start = False
        current.append(tok)
    if current:
        clauses.append(_Clause(current, []))
    seen: set[str] = set()
    unique = []
    for clause in clauses:  # a sentence said twice is said back once
        key = " ".join(t.low for t in clause.tokens)
        if key not in seen:
            seen.add(key)
            unique.append(clause)
    clauses = [part for clause in unique for part in _split_long(_trim(clause))]
    for clause in clauses:
        clause.feelings = words.own_feelings(clause.tokens)
        clause.tokens = words.turn(clause.tokens, partner)
    return [c for c in clauses if any(t.low[0].isalnum() for t in c.tokens)]


_LONG = 12
"""A clause longer than this many words is split at its conjunctions, so it can be said back in parts."""
_SPLIT_AT = frozenset({"and", "but", "so", "because", "cause", "when", "while", "though", "although"})


def _split_long(clause: _Clause) -> list[_Clause]:
    tokens = clause.tokens
    if len(tokens) <= _LONG:
        return [clause]
    cuts = [i for i, t in enumerate(tokens) if t.low in _SPLIT_AT and 3 <= i <= len(tokens) - 3]
    if not cuts:
        return [clause]
    parts: list[_Clause] = []
    start = 0
    for cut in cuts:
        if cut - start >= 3:
            parts.append(_Clause(tokens[start:cut], [], cont=bool(parts) or clause.cont))
            start = cut
    parts.append(_Clause(tokens[start:], [], asked=clause.asked, cont=bool(parts) or clause.cont))
    return parts


_DISCOURSE = frozenset({"yeah", "yes", "well", "oh", "okay", "ok", "so", "like", "just", "now", "anyway"})
_LOOSE_END = frozenset({"and", "but", "or", "so", "because", "cause", "then", "like"})


def _trim(clause: _Clause) -> _Clause:
    """Without "yeah, well, so" in front, or an "and" left hanging at the end."""
    tokens = list(clause.tokens)
    while len(tokens) > 1 and tokens[0].low in _DISCOURSE:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1].low in _LOOSE_END:
        tokens.pop()
    return _Clause(tokens, [], asked=clause.asked, cont=clause.cont)


# --- choosing and framing ----------------------------------------------------------------------


def _frame(clauses: list[_Clause], opener: str, check: str, extra: list[_Clause] | None = None) -> Reflection:
    budget = MAX_WORDS - len(opener.split()) - len(check.split())
    content = ""
    for _ in range(8):  # the joining "and"s count too: choose again with less room if they overflow
        content = _join(_choose(clauses, budget, extra or []))
        over = len(content.split()) - (MAX_WORDS - len(opener.split()) - len(check.split()))
        if over <= 0:
            break
        budget -= over
    feelings: dict[str, str] = {}
    for clause in [*clauses, *(extra or [])]:
        for start, end, family in clause.feelings:
            feelings.setdefault(family, " ".join(t.text for t in clause.tokens[start:end]).lower())
    return Reflection(f"{opener} {content}. {check}", content, tuple(feelings.values()), tuple(feelings))


def _count(tokens: list[Token]) -> int:
    return sum(len(t.text.split()) for t in tokens if t.low[0].isalnum())


def _choose(clauses: list[_Clause], budget: int, extra: list[_Clause]) -> list[tuple[list[Token], bool]]:
    """The clauses to say back, in the share's order, cut to fit ``budget`` words."""
    families: set[str] = set()
    picked: list[int] = []
    for i, clause in enumerate(clauses):
        new = {f for _, _, f in clause.feelings} - families
        if new:
            picked.append(i)
            families |= new
    situation = _situation(clauses, picked)
    if situation is not None:
        picked.append(situation)
    if not any(clauses[i].feelings for i in picked):
        rest = [i for i in range(len(clauses)) if i not in picked]
        rest.sort(key=lambda i: -len(lexicon.content_keys(t.low for t in clauses[i].tokens)))
        picked.extend(rest[:1])
    order = _fill(clauses, sorted(set(picked)), budget)
    parts = [clauses[i] for i in order] + [c for c in extra if c not in clauses]
    joined = [i - 1 in order and clauses[i].cont for i in order]
    joined += [False] * (len(parts) - len(order))
    texts = [list(c.tokens) for c in parts]
    total = sum(_count(t) for t in texts)
    if total <= budget:
        return list(zip(texts, joined, strict=True))
    # Too long: cut each feeling clause to the few words around its feelings, then the others.
    texts = [_around(c) if c.feelings else list(c.tokens) for c in parts]
    feeling_words = sum(_count(t) for c, t in zip(parts, texts, strict=True) if c.feelings)
    if feeling_words > budget:
        return [(_feelings_only(parts, budget), False)]
    room = budget - feeling_words
    out: list[tuple[list[Token], bool]] = []
    for clause, tokens in zip(parts, texts, strict=True):
        if clause.feelings:
            out.append((tokens, False))
        elif room >= 4:
            cut = _cut(tokens, room)
            if cut:
                out.append((cut, False))
                room -= _count(cut)
    return out


def _fill(clauses: list[_Clause], order: list[int], budget: int) -> list[int]:
    """Add the rest of a split clause after a chosen part (what happened, said whole) while it fits."""
    chosen = list(order)
    total = sum(_count(clauses[i].tokens) for i in chosen)
    for i in order:
        j = i + 1
        while j < len(clauses) and clauses[j].cont and j not in chosen:
            size = _count(clauses[j].tokens) + 1
            if total + size > budget:
                break
            chosen.append(j)
            total += size
            j += 1
    return sorted(chosen)


def _situation(clauses: list[_Clause], picked: list[int]) -> int | None:
    """The clause that says what happened: a "when ..." clause first, else the fullest other one."""
    others = [i for i in range(len(clauses)) if i not in picked and not clauses[i].asked] or [
        i for i in range(len(clauses)) if i not in picked]
    for i in others:
        if clauses[i].tokens[0].low in words.SUBORDINATE or any(t.low == "when" for t in clauses[i].tokens):
            return i
    if not others:
        return None
    best = max(others, key=lambda i: (len(lexicon.content_keys(t.low for t in clauses[i].tokens))
                                      + 2 * any(t.low.startswith("you") for t in clauses[i].tokens)))
    return best if lexicon.content_keys(t.low for t in clauses[best].tokens) else None


def _around(clause: _Clause) -> list[Token]:
    """A feeling clause cut to its subject, its feelings and a few words after."""
    start = clause.feelings[0][0]
    end = clause.feelings[-1][1]
    begin = start
    for j in range(start - 1, max(-1, start - 5), -1):
        begin = j
        if clause.tokens[j].low in {"you", "you're", "you've", "you'd", "you'll", "you two"}:
            break
    else:
        begin = max(0, start - 3)
    tail = clause.tokens[end : end + 4]
    while tail and tail[-1].low in _DANGLING:
        tail.pop()
    return clause.tokens[begin:end] + tail


def _cut(tokens: list[Token], room: int) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        if _count([*out, tok]) > room:
            break
        out.append(tok)
    while out and out[-1].low in _DANGLING:
        out.pop()
    return out if _count(out) >= 3 else []


def _feelings_only(parts: list[_Clause], budget: int) -> list[Token]:
    said: list[str] = []
    for clause in parts:
        for start, end, _ in clause.feelings:
            said.append(" ".join(t.text for t in clause.tokens[start:end]).lower())
    words = ["you", "felt"]
    for i, feeling in enumerate(said):
        joiner = [] if i == 0 else (["and"] if i == len(said) - 1 else [","])
        if len(words) + len(joiner) + len(feeling.split()) > budget:
            break
        words.extend(joiner + feeling.split())
    return [Token(w, w) for w in words]


def _join(parts: list[tuple[list[Token], bool]]) -> str:
    text = ""
    for i, (tokens, glued) in enumerate(parts):
        if i == 0:
            while len(tokens) > 1 and tokens[0].low in {"and", "but", "or", "so", "then"}:
                tokens = tokens[1:]
            text = " ".join(t.text for t in tokens)
            continue
        piece = " ".join(t.text for t in tokens)
        first = tokens[0].low
        previous_first = parts[i - 1][0][0].low
        if glued:
            text += " " + piece
        elif first in words.CONJUNCTIONS or previous_first in words.SUBORDINATE:
            text += ", " + piece
        else:
            text += ", and " + piece
    return text.replace(" ,", ",")

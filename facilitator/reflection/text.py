"""Cleaning transcribed speech for the reflect-back judge: contractions, fillers, stutters, sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from facilitator import lexicon

MAX_WORDS = 2000
"""Longer texts are judged on their first MAX_WORDS words (a share is never that long when spoken)."""



_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), full)
    for pattern, full in (
        (r"\bcan't\b|\bcant\b", "can not"),
        (r"\bwon't\b|\bwont\b", "will not"),
        (r"\bain't\b", "is not"),
        (r"\blet's\b", "let us"),
        (r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must|need)n't\b", r"\1 not"),
        (r"\b(do|does|did|is|was|were|have|has|had|would|could|should)nt\b", r"\1 not"),
        (r"\bi'm\b|\bim\b", "i am"),
        (r"\b(you|we|they)'re\b", r"\1 are"),
        (r"\byoure\b", "you are"),
        (r"\b(i|you|we|they)'ve\b", r"\1 have"),
        (r"\bive\b", "i have"),
        (r"\byouve\b", "you have"),
        (r"\b(i|you|we|they|he|she|it|that)'ll\b", r"\1 will"),
        (r"\b(i|you|we|they|he|she)'d\b", r"\1 would"),
        (r"\b(it|that|what|there|he|she|who|here|where|how)'s\b", r"\1 is"),
        (r"\bthats\b", "that is"),
        (r"\bwhats\b", "what is"),
        (r"\bwanna\b", "want to"),
        (r"\bgonna\b", "going to"),
        (r"\bgotta\b", "got to"),
        (r"\bkinda\b", "kind of"),
        (r"\bcause\b|\bcuz\b|\bcos\b", "because"),
        (r"\b(\w+)'s\b", r"\1"),
    )
)
_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_SENTENCE = re.compile(r"[^.!?;]+[.!?;]*")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_DISCOURSE = frozenset({"okay", "ok", "so", "yeah", "yes", "well", "right", "alright", "and", "oh", "wow",
                        "sure", "now", "good", "great", "cool", "gotcha", "hey", "all", "anyway", "mhmm",
                        "yep", "yup", "fine", "wonderful", "excellent", "fantastic", "perfect", "ah",
                        "thanks", "thank", "you", "no", "sorry", "got", "it", "i", "see", "uh"})


@dataclass(frozen=True)
class _Sentence:
    words: tuple[str, ...]
    asked: bool
    """Ended with a question mark."""


def _expand(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _BRACKETS.sub(" ", text)
    text = text.replace("--", ". ").replace("\u2014", ". ").replace("\u2013", ". ")
    for pattern, full in _CONTRACTIONS:
        text = pattern.sub(full, text)
    return text


def _clean_words(chunk: str) -> list[str]:
    words: list[str] = []
    for raw in _WORD.findall(chunk.replace("-", " ")):
        word = raw.replace("'", "")
        if word in lexicon.FILLERS:
            continue
        if words and words[-1] == word and word not in {"very", "really", "so", "no"}:
            continue  # stutter: "you you need"
        if (words and len(words[-1]) < len(word) and word.startswith(words[-1])
                and words[-1] not in lexicon.STOPWORDS and words[-1] not in {"i", "a"}):
            words[-1] = word  # a cut-off start: "wha what", "n not"
            continue
        words.append(word)
    # repeated bigrams from stutters: "i was i was" -> "i was"
    out: list[str] = []
    for word in words:
        if len(out) >= 3 and out[-3] == out[-1] and out[-2] == word:
            out.pop()
            continue
        out.append(word)
    return out


def _sentences(text: str) -> list[_Sentence]:
    expanded = _expand(text)
    result: list[_Sentence] = []
    total = 0
    for match in _SENTENCE.finditer(expanded):
        chunk = match.group(0)
        words = _clean_words(chunk)
        if not words:
            continue
        words = words[: max(0, MAX_WORDS - total)]
        total += len(words)
        if words:
            result.append(_Sentence(tuple(words), chunk.rstrip().endswith("?")))
        if total >= MAX_WORDS:
            break
    return result


def _strip_discourse(words: tuple[str, ...]) -> tuple[str, ...]:
    """Drop leading "okay so yeah well" and whole backchannel sentences ("Mm-hmm. Right.")."""
    i = 0
    while i < len(words) and words[i] in _DISCOURSE:
        if words[i] == "you" and not (i > 0 and words[i - 1] == "thank"):
            break
        if words[i] == "i" and not (i + 1 < len(words) and words[i + 1] == "see"):
            break
        if words[i] in {"it", "got"} and not (i > 0 and words[i - 1] == "got" or
                                                 i + 1 < len(words) and words[i + 1] == "it"):
            break
        if words[i] == "no" and i + 1 < len(words) and words[i + 1] not in _DISCOURSE:
            break
        i += 1
    return words[i:]


_FLIP = {"i": "P", "you": "P", "me": "P", "my": "PP", "your": "PP", "mine": "PS", "yours": "PS",
         "myself": "PX", "yourself": "PX", "am": "B", "are": "B", "was": "B", "were": "B"}


def _neutral(words: list[str] | tuple[str, ...]) -> str:
    """Words with the persons folded together ("I was" = "you were"), joined without spaces."""
    return "".join(_FLIP.get(word, word) for word in words)



"""The reflect-back judge: does the listener's reply reflect the sharer's words, or rebut, fix or drift?

Issue 5. The reply is cleaned of fillers and stutters, split into sentences, and read for form
(rebuttal and advice markers, questions, who it speaks about, reflective openers) and for content
(the sharer's feelings and content words carried back, with stems, synonyms and one-letter
recognition slips). A small linear model (facilitator.reflection_model, trained on counselling
dialogue) reads those plus the reply's word n-grams and says whether the reply reads as a reflection
(``Verdict.reflects``); the rules keep their veto over acceptance: no rebuttal, advice, own story or
real question, and the sharer's feelings carried back. DOMAIN.md "A good reflection" is the rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from facilitator import coaching, lexicon, reflection_model

MAX_WORDS = 2000
"""Longer texts are judged on their first MAX_WORDS words (a share is never that long when spoken)."""


class Kind(StrEnum):
    """Why a reflection was accepted or not."""

    ACCEPTED = "accepted"
    EMPTY = "empty"
    UNCLEAR = "unclear"
    REBUTTAL = "rebuttal"
    ADVICE = "advice"
    OWN_STORY = "own_story"
    QUESTION = "question"
    OFF_TOPIC = "off_topic"
    MISSING_FEELINGS = "missing_feelings"


@dataclass(frozen=True)
class Verdict:
    """The judge's answer for one share and one reflection."""

    accepted: bool
    """True when the reply reflects the share well enough to move on."""
    score: float
    """How much it reads as a reflection of this share (0-1); accepted replies score 0.5 or more."""
    feelings: tuple[str, ...]
    """Feeling words found in the share, as the sharer said them (one per feeling family)."""
    carried: tuple[str, ...]
    """Those of ``feelings`` that the reflection carried (the same word, a synonym or a close feeling)."""
    coaching: str | None
    """One short, warm invitation when not accepted; None when accepted."""
    kind: Kind
    """The reason."""
    reflects: bool = False
    """Whether the reply reads as a reflection at all (the reflection model, and no rebuttal), before
    the couple's stricter rules (no advice, own story or question; carry the feelings). Accepted
    replies always reflect; AnnoMI is measured on this (scripts/bench_reflection.py)."""


# --- cleaning transcribed speech -------------------------------------------------------------

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


# --- what the reply does -----------------------------------------------------------------------

# Rebuttal and defence: the listener's own side, a correction, or blame turned back (DOMAIN.md).
# Matched within one sentence, so a "but" in the next sentence does not pair with "I know".
_REBUTTAL = re.compile(
    r"\b(?:i hear you|i get it|i get that|i understand|i know|i hear that|i hear what you|yes|yeah|okay"
    r"|ok|sure|fine|true|well|i am sorry|i see that|i see what you)(?: \w+){0,6}? but\b(?! also\b)"
    r"|\bbut (?!i (?:hear|see|get|understand|imagine|wonder|am (?:hearing|picking|sensing|getting|wondering)"
    r"|also|guess|think you|can see|know you))(?:i|me|my|honestly|actually|to be fair|in fairness"
    r"|come on|seriously|you (?:do it|did it|started|were the one|are the one|always|never)|everyone"
    r"|everybody|nobody|no one|anyone|other people|they all|it was (?:just|only)|that was (?:just|only))\b"
    # "..., but golf is the only thing I do for myself": a "but" that turns to the listener's side
    r"|\bbut (?!i (?:hear|see|get|understand|imagine|wonder|also|can see|know you))"
    r"(?:(?!you\b|your\b|felt\b|feel\b|feels\b|seemed\b|seems\b|sounded\b|sounds\b|that\b|then\b|when\b"
    r"|after\b|once\b)\w+ ){1,5}?(?:i|me|my|myself)\b"
    r"|\bthat (?:is|was) not (?:true|fair|what happened|how it|what i|right|the point|my fault)"
    r"|\bnot what (?:happened|i meant|i said)|\bnever happened|\bit is not like i\b|\bthat is on you"
    r"|\bi (?:was|am) (?:just|only) |\bi (?:did not|never) (?:mean|meant|want|ask)\b|\bi never (?:said|did)\b"
    r"|\bi did not (?:say|do) (?:that|it|anything wrong)\b"
    r"|\bi only (?:did|said|wanted|meant|have|had|raised|do)|\bi had to\b|\bi was trying to\b"
    r"|\bi was (?:so |really |just )?(?:tired|exhausted|busy|stressed|working|sick)\b|\bthe reason i\b"
    r"|\bbecause i (?:was|had|am|did|have|needed|wanted)\b|\bnot my fault|\byour fault|\bit is on you\b"
    r"|\bwhat about (?:you|when you|the time|me|my)|\bat least i\b|\bto be fair\b|\bin my defen[cs]e"
    r"|\bin fairness\b|\byou are (?:overreacting|exaggerating|being (?:dramatic|ridiculous|unfair))"
    r"|\bover ?reacting\b|\bexaggerat\w*|\btoo sensitive\b|\bthat is (?:ridiculous|unfair|crazy|nonsense)"
    r"|\byou (?:do|did) (?:it|that|the same) too\b|\byou (?:are|were) the one\b|\byou started it\b"
    r"|^whatever$|\bwell actually\b|\bfor the record\b|\bnot fair\b"
    r"|\byou (?:always|never|constantly)\b"
    r"(?! (?:even )?(?:got|get|had|heard|knew|saw|wanted|meant|expected|felt"
    r"|feel|thought|agreed|said yes|gave)\b)"
    r"|\byou make (?:fun of )?me\b|\bi do (?:too|that too|plenty|everything|my share)\b|\bi am \w+ too\b"
    r"|\bi (?!love you)(?:\w+ ){1,4}(?:too|as well)$"
    # the listener's own side, said after a reflection: "..., and honestly I was drowning at work"
    r"|\b(?:honestly|the truth is|truth be told|if i am honest) i\b|\bi could not (?:even|help it)\b"
    r"|\blet alone\b|\b(?:that|which) is (?:why|the reason) i\b|\bi was not (?:going|trying) to\b"
    r"|\bi told you(?: (?:that|so|already|before|about it|i))?$"
    r"|\bi had (?:the |a )?(?:flu|cold|covid|fever|migraine|headache|deadline|meeting|shift|no choice)\b"
    # an emphatic "I did/do" + verb: "I did thank you, though"
    r"|\bi (?:did|do) (?!not\b|you\b|that\b|this\b|it\b|the\b|an?\b|to\b|so\b|what\b|and\b|but\b|when\b"
    r"|wrong\b|something\b|nothing\b|too\b|before\b|last\b|there\b|then\b|anything\b|everything\b|all\b"
    r"|with\b|for\b|in\b|at\b|on\b|yesterday\b|today\b|again\b|now\b|is\b|was\b|matters?\b|see\b|understand\b"
    r"|hear\b|get\b|know\b|feel\b)[a-z]+"
    r"|\bi (?:felt|feel|was|am|get|got|have been) (?:\w+ ){0,3}(?:too|as well)\b"
    r"|\b(?:i|we) (?:\w+ ){0,6}?(?<!even )(?<!as )though\b"
    r"|(?<!even )(?<!as )\bthough(?: so)? (?:i|there was|it was)\b"
    r"|\bremember$"
    r"|\b(?:there was )?nothing i could (?:do|have done)\b|\bi did nothing wrong\b"
    r"|\bi did not (?:think|know|realize|mean|see|notice)\b|\banyway(?:$| i\b)|\bthat is all$"
    r"|\bi (?:just|only) (?:said|meant|wanted|asked|mentioned|made|tried|did)\b"
    r"|\bi did not (?:take|pick) (?:any|anyone|anybody|a|your|his|her|their|sides)\b"
    # a counter-complaint: "well you ignore me all the time"
    r"|\bwell you (?!felt|feel|were|seemed|said|sound)\w+|\byou do not get to be\b|\bthe thing is i\b"
    r"|\bi do not think you (?:get to|have (?:a|any) right)\b"
    r"|\bthat is why (?:people|everyone|everybody|nobody|no one|they)\b"
    r"|\byou \w+ me (?:all the time|constantly|every time)\b"
    r"|^still\b|\bhaving said that\b|\bthat said\b|\bthen again\b|\b(?:the )?only thing is\b"
    r"|\b(?:hardly|not really|not that) (?:a )?big (?:deal|thing)\b|\bwhat (?:was|am|were) i supposed to\b"
    r"|\bwhat else (?:could|was) i\b|\b(?:she|he|it|that|they) (?:is|was|are|were) (?:just|only) (?:a |an )?"
    r"(?:friend|joke|kidding|teasing|banter|one|once|a few)\b|\ball it (?:is|was)\b|\bi figured\b"
    r"|\byou (?:were|are|did|do) \w+ though\b"
)
# A rebuttal phrase that only reports what the sharer said ("you said you understood I was tired",
# "when I said you were overreacting") mirrors the share: it is not the listener's own defence.
_REPORTED = re.compile(
    r"\byou (?:said|say|told me|mentioned|know|knew|understood|understand|get|got|realized|realize|saw"
    r"|see|thought|think|heard|noticed|felt like|feel like|were saying|are saying)\b"
    r"|\b(?:when|while|after|like|because|since|if|whether|wondering|wonder)\b"
)
_FLIP = {"i": "P", "you": "P", "me": "P", "my": "PP", "your": "PP", "mine": "PS", "yours": "PS",
         "myself": "PX", "yourself": "PX", "am": "B", "are": "B", "was": "B", "were": "B"}
# Advice and problem-solving. "you need to"/"you have to" alone are often the sharer's own need
# ("you feel you have to provide"), so only their plainly directive forms count.
_ADVICE = re.compile(
    r"\byou (?:should|ought to|might want to|may want to|could try|could just|can just|just need to"
    r"|need to (?:calm|relax|stop|get over|let it go|move on|chill|try|just|talk to|tell|sit))\b"
    r"|(?<!to )(?<!me )(?<!you )\bjust (?:sit|talk to|tell|ask|call|go and|say)\b"
    r"|\b(?:maybe|perhaps|just|please) (?:you )?(?:try|should|could|stop|calm|relax|ignore|let it|get over)\b"
    r"|^(?:just |maybe |perhaps |so )?try (?:to|not to|and)\b|\bwhy (?:do not|not) (?:you|we|just)\b"
    r"|\bhave you (?:tried|thought about|considered)|\bnext time\b|^let us (?!say|see)\w+"
    r"|\bwe (?:just |really |probably |both )?(?:should|could|need to|have to|can)\b"
    r"|\bif you (?:just|only|would just)\b"
    r"|\bit (?:would|might) (?:help|be better|be good|be a good idea)|\bwhat if you\b"
    r"|\bhow about (?:you|we|if|trying)\b|\bmy advice\b|\bi (?:suggest|recommend|advise)"
    r"|\bthe best thing\b|\bdo not worry\b|\bstop (?:worrying|being|thinking)\b|^calm down\b"
    r"|\bget over it\b|\bmove on\b|\bno big deal\b|\bnot a big deal\b|\bcheer up\b|\bbright side\b"
    r"|\bwhat you (?:need|have|ought) to do\b|\bi think you (?:should|need|could)\b"
    r"|\bi (?:will|can|could) (?:try|make sure|do better|fix|change|stop|start|promise)|\bfrom now on\b"
    r"|\bi promise\b|\bwhat (?:can|could|should) (?:i|we) do\b|\bhow (?:can|could) (?:i|we) (?:help|fix|make)"
    r"|\bi would (?:recommend|suggest|encourage)|\bit is important (?:to|that you)"
    r"|\bi want you to\b|\bi would like you to\b|\bdo you want to (?:try|do)"
    r"|\byou could (?!not\b|hardly\b|barely\b|never\b|only\b|just\b|see\b|tell\b|feel\b)\w+"
    r"|\byou can (?!not\b|be\b|see\b|tell\b|feel\b|hardly\b|never\b|always\b|only\b|barely\b|ever\b)\w+"
    r"|\bi will make (?:it|this|that) up\b|\bwe will (?:take|go out|make|try|plan|book|figure|sort|work on)\b"
    r"|\bi will (?:take|buy|get|call|text|plan|book|cook|clean|be there|be on time|be better)\b"
    r"|\bi swear\b|\bnever again\b|\bi will not (?:\w+ ){0,5}?again\b"
)
_CHECKS = re.compile(
    r"^(?:did i (?:get|hear|understand|catch|miss)\w*|do i have (?:it|that|this) right|have i got (?:it|that)"
    r"|am i (?:getting|hearing|right|understanding)\w*|is (?:that|this|it) (?:right|it|correct|true|what you)"
    r"|is it that|are you saying|do you mean|does that sound right|is that what you|did that|was that"
    r"|is that (?:kind of |sort of )?(?:how|what|right|it)"
    r"|so you are saying|you mean|right|correct|true|yes|no"
    r"|anything else|is there more|would that be (?:true|right|fair|correct)|what did i miss|did i leave"
    r"|have i (?:got|understood|missed)|(?:or )?is there (?:something|anything) (?:i|else|more)"
    r"|or did i miss)\b"
)
_CHECK_FRAME = re.compile(
    r"^(?:did i (?:get|hear|understand|catch)(?: (?:it|that|this) right)?(?: (?:that|when|how))?"
    r"|am i (?:getting|hearing|understanding)(?: (?:it|that|this))?(?: right)?(?: that)?"
    r"|is it that|are you saying(?: that)?|do you mean(?: that)?|so you are saying(?: that)?"
    r"|(?:can|could|may) i (?:just )?(?:check|see if i (?:got|get|have) (?:it|that|this)"
    r"(?: right)?)(?: that)?"
    r"|let me (?:check|see) if i (?:got|get|have) (?:it|that|this)(?: right)?(?: that)?)\b ?"
)
_TAIL_CHECK = re.compile(
    r"\b(?:is that right|is that it|did i get (?:it|that|this)(?: right)?|am i right|is that correct"
    r"|do i have (?:it|that) right|does that sound right|right|correct|yes|no|yeah|or not|anything else"
    r"|is that fair|is that true|did i miss anything|is there more|have i got (?:it|that|this)(?: right)?"
    r"|have i understood (?:it|that|this|you)(?: properly| right| correctly)?"
    r"|or is there (?:something|anything) (?:i missed|else|more)|or did i miss (?:something|anything)"
    r"|(?:is|are|was|were|do|does|did|have|has|would|could"
    r"|can|will) not (?:it|you|they|he|she|that|there|i))$"
)
_FRAMES = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing|got|understand"
    r"|understood|take)\w*|i (?:am )?(?:hear|hearing|heard)"
    r"|i (?:imagine|guess|think|sense|understand|get|gather|bet|wonder|notice|suppose)\w*"
    r"|i can (?:see|imagine|tell|hear|understand)|i see|if i (?:understand|understood|heard|got|am hearing)"
    r"|let me (?:see|check|make sure)|i want to (?:make sure|check|understand)|correct me if i|it seems to me"
    r"|sounds to me|it sounds to me|i am (?:guessing|sensing|getting)|i take it|what i am (?:hearing|getting)"
    r"|did i|am i|i got (?:that|it)|i am (?:sorry|so sorry)|if i am|tell me|help me|i would imagine"
    r"|my guess|my sense|i feel like you|i have heard|i am wondering|i know)\b"
)
_OPENERS = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing)|i hear you (?:say|saying)|i am hearing|sounds like|it sounds|"
    r"you (?:felt|feel|feeling|are feeling|were feeling|have been feeling)|seems like|it seems|you are saying"
    r"|you said|you mean|what you are saying|if i (?:understand|heard)|i imagine you|that must|must have been"
    r"|must be|you (?:want|wanted|would like|wish|hoped|hope"
    r"|need|needed)|you are (?:worried|concerned|not sure)"
    r"|for you|you (?:were|are) (?:hoping|thinking|wondering)|you (?:think|thought|believe|know|knew)"
    r"|you (?:have|had) (?:been|noticed|seen|found|decided|tried)|you (?:noticed|realize|realized|see)"
    r"|you are (?:not|really|kind|a little|pretty|quite|still)|you (?:really|still|kind of|sort of))\b"
)
_VALIDATION = re.compile(
    r"\b(?:that makes sense|makes (?:a lot of |total |complete )?sense|of course you|no wonder|"
    r"i can see why|i get why|i understand why|understandable|that sounds (?:hard|painful|awful|lonely|"
    r"difficult|tough|really)|that must (?:have )?(?:been|be|feel|hurt)|i am sorry you)\b"
)
_YOU = frozenset({"you", "your", "yours", "yourself", "youre"})
_ME = frozenset({"i", "me", "my", "mine", "myself"})
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_ENGLISH_HINTS = lexicon.STOPWORDS | frozenset({"not", "was", "felt", "when", "went"})


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


# --- what the share said -----------------------------------------------------------------------


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


def _neutral(words: list[str] | tuple[str, ...]) -> str:
    """Words with the persons folded together ("I was" = "you were"), joined without spaces."""
    return "".join(_FLIP.get(word, word) for word in words)


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


def judge(share: str, reflection: str) -> Verdict:
    """Judge whether ``reflection`` reflects ``share`` back; never raises, whatever the text.

    Args:
        share: what the sharer said (transcribed speech: punctuation optional).
        reflection: what the listener said back.
    """
    return judge_with(reflection_model.load(), share, reflection)


def judge_with(model: reflection_model.LinearModel, share: str, reflection: str) -> Verdict:
    """``judge`` with another reflection model (the benchmark re-fits one per cross-validation fold)."""
    return _rules_verdict(model, _analyse(share, reflection))


def _rules_verdict(model: reflection_model.LinearModel, a: _Analysis) -> Verdict:
    """The verdict: the rules' refusals first, then whether the reply reads as a reflection of this share."""
    feelings, carried, missing, reading = a.feelings, a.carried, a.missing, a.reading
    if a.early is not None:
        return _miss(a.early, 0.0, feelings, (), feelings)
    form = _reads_as(model, a)
    reflects = form >= ACCEPT_FORM and not reading.rebuttal
    if reading.rebuttal:
        return _miss(Kind.REBUTTAL, 0.1, feelings, carried, missing)
    if reading.advice:
        return _miss(Kind.ADVICE, 0.15, feelings, carried, missing, reflects=reflects)
    # More "I" than "you", with things the sharer never said: the listener's own story. Not when it
    # opens with the sharer's feelings ("you felt alone at my parents' place when I ...").
    if _own_story(a):
        return _miss(Kind.OWN_STORY, 0.15, feelings, carried, missing, reflects=reflects)
    if reading.question:
        return _miss(Kind.QUESTION, 0.2, feelings, carried, missing, reflects=reflects)
    if not reading.words:  # only "okay", "right", "is that right?"
        return _miss(Kind.EMPTY, 0.0, feelings, carried, missing, reflects=reflects)

    substance = (len(carried) / len(feelings) if feelings else
                 min(1.0, a.shared / max(1.0, min(5.0, 0.5 * a.share_content))))
    score = 0.6 * form + 0.4 * substance if a.share_content else form
    long_share = a.share_content >= 4
    # Nothing of the share came back and the reply is not shaped as a reflection either. A reply with a
    # reflective opener and no shared word is often a deeper paraphrase; feelings are checked next.
    if long_share and not a.shared and not carried and a.reply_keys >= 2 and not (reading.validation
                                                                                 or reading.opener):
        return _miss(Kind.OFF_TOPIC, min(score, 0.3), feelings, carried, missing, reflects=reflects)
    # The sharer named feelings and none came back: invite them. A different feeling guessed with
    # nothing else of the share ("are you angry?" after "I felt alone") misses too.
    if feelings and not carried and (not a.names_a_feeling or not a.shared):
        return _miss(Kind.MISSING_FEELINGS, min(score, 0.45), feelings, carried, missing,
                     caught=bool(a.shared), reflects=reflects)
    # After a real share, a reply needs at least one sign of reflecting ("you", an opener, a feeling,
    # a shared word); "that's true" or "fair enough" is not a reflection, whatever the model says.
    positive = reading.you_n > 0 or reading.opener or reading.validation or a.names_a_feeling or a.shared
    if not reflects or (long_share or not a.share_content) and not positive:
        kind = Kind.QUESTION if reading.asked else Kind.OFF_TOPIC
        return _miss(kind, min(score, 0.4), feelings, carried, missing, reflects=reflects)
    return Verdict(True, round(max(0.5, score), 3), feelings, carried, None, Kind.ACCEPTED, True)


# Hand-set log-odds added to the model's, from the repair method (DOMAIN.md), for what counselling
# dialogue rarely shows: a listener mirroring explicitly ("what I heard is ...", "did I get that ...",
# "..., is that right?") and carrying the sharer's feelings back.
_PRIORS = {"mirrors": 1.0, "carries_feelings": 0.5}
_MIRROR = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing|got|understood)|i (?:hear|heard) you (?:say|saying)"
    r"|if i (?:understand|heard|got) (?:you|that|it|this)|let me (?:see|check|make sure) (?:if|that)"
    r"|so you are saying|you are saying)\b"
)


def _reads_as(model: reflection_model.LinearModel, a: _Analysis) -> float:
    """How much the reply reads as a reflection (0-1): the model (counselling dialogue) plus the priors."""
    logit = model.logit(features(a)) + _prior(a)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def reads_as_reflection(model: reflection_model.LinearModel, share: str, reflection: str) -> float:
    """The probability behind ``Verdict.reflects`` (before the rebuttal rule), for the benchmark's sweep."""
    return _reads_as(model, _analyse(share, reflection))


def _prior(a: _Analysis) -> float:
    mirrors = any("<check>" in words for words, _ in a.reading.views) or bool(_MIRROR.search(a.reading.text))
    return _PRIORS["mirrors"] * mirrors + _PRIORS["carries_feelings"] * bool(a.carried)


def features(a: _Analysis) -> list[str]:
    """The reflection model's features of one analysed pair: reply n-grams and the judge's readings."""
    reading = a.reading
    out = reflection_model.ngram_features(reading.views)
    flags = {
        "rebuttal": reading.rebuttal,
        "advice": reading.advice,
        "own_story": _own_story(a),
        "question": reading.question,
        "asked": reading.asked,
        "earlier_question": reading.earlier_question,
        "opener": reading.opener,
        "validation": reading.validation,
        "summing_up": reading.summing_up,
        "you": reading.you_n > 0,
        "you_twice": reading.you_n > 1,
        "me": reading.me_n > 0,
        "more_me": reading.me_n > reading.you_n,
        "names_a_feeling": a.names_a_feeling,
        "carries_feelings": bool(a.carried),
        "share_feelings": bool(a.feelings),
        "misses_feelings": bool(a.feelings) and not a.carried,
        "shared": a.shared > 0,
        "shared_2": a.shared >= 2,
        "shared_4": a.shared >= 4,
        "own_new": a.own_new > 0,
        "no_statement": not reading.words,
        "informs": bool(_INFORMS.search(reading.text)),
        "tentative": bool(_TENTATIVE.search(reading.text)),
        "share_asked": a.share_asked,
    }
    out.extend("j:" + name for name, present in flags.items() if present)
    size = a.share_content
    out.append(f"j:share_len_{0 if size == 0 else 1 if size < 4 else 2 if size < 12 else 3}")
    n = len(reading.words)
    out.append(f"j:reply_len_{0 if n == 0 else 1 if n < 8 else 2 if n < 20 else 3 if n < 40 else 4}")
    out.append(f"j:sentences_{min(reading.sentences, 4)}")
    if size:
        out.append(f"j:shared_part_{min(4, int(4 * a.shared / max(1, min(size, 10))))}")
    if a.reply_keys:
        out.append(f"o:shared_of_reply_{int(5 * min(1.0, a.shared / a.reply_keys))}")
    out.append(f"o:shared_n_{min(6, a.shared)}")
    return out


def pair_features(share: str, reflection: str) -> list[str]:
    """``features`` of a raw pair, for training the model (scripts/train_reflection_model.py)."""
    return features(_analyse(share, reflection))


def _own_story(a: _Analysis) -> bool:
    reading = a.reading
    if a.listener_feels or a.own_clause or _OWN_SIDE.search(reading.text):
        return True
    opening = " ".join(reading.words[:6]).replace("you know", " ")  # "you know" is a filler here
    opens_as_reflection = bool(_OPENERS.search(opening))
    return reading.me_n > reading.you_n and a.own_new >= 2 and not (a.carried and reading.opener
                                                                     or opens_as_reflection)


_OWN_SIDE = re.compile(
    r"\bi (?:feel|felt|get|have felt|know) (?:\w+ ){0,2}"
    r"(?:the same|that way too|like that too|that too|how that feels)"
    r"|\bsame (?:here|for me|with me)\b|\bme too\b|\bso do i\b|\bso did i\b"
)
ACCEPT_FORM = 0.5
"""A reply the reflection model scores below this (probability, 0-1) does not read as a reflection."""
_INFORMS = re.compile(
    r"\b(?:people|patients|clients|folks|many|most|studies|research|percent|recommend\w*|guidelines?"
    r"|we know|i think|i would|we would|i am going|i will"
    r"|i want|i am (?:curious|interested|glad|happy)|i like"
    r"|evidence|technically|we define|i found|i should|i was (?:wanting|asking|going|thinking)|my (?:job|role"
    r"|commitment|sense)|we are going|we will|i do not want|i wish|i noticed|there (?:is|are) (?:a lot|lots"
    r"|certainly|some)|it is (?:normal|common|important|possible|likely)|that is (?:great|good|wonderful))\b"
)
_TENTATIVE = re.compile(r"\b(?:sounds?|seems?|must)\b")


def _miss(
    kind: Kind,
    score: float,
    feelings: tuple[str, ...],
    carried: tuple[str, ...],
    missing: tuple[str, ...],
    caught: bool = True,
    reflects: bool = False,
) -> Verdict:
    line = coaching.miss_coaching(kind, missing, caught)
    return Verdict(False, round(min(score, 0.49), 3), feelings, carried, line, kind, reflects)

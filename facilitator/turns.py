"""The turn policy, pure: who holds the floor, continuers vs interruptions, and short spoken answers.

Everything here takes plain values (a ``Heard``, a text, names) and returns a decision; nothing
speaks, listens or sleeps. The rules come from ../shared/DOMAIN.md ("Turn rules a program can
check"): a wrong "please let them finish" hurts more than a missed one, so when unsure of who
spoke, the policy says nothing.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from facilitator.events import Heard
from facilitator.talkover import longest_run

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (apostrophes and inner hyphens kept: "that's", "mm-hm")."""
    text = text.translate(_APOSTROPHES).lower()
    return re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text)


def _phrase_in(tokens: list[str], phrase: str) -> bool:
    target = words(phrase)
    n = len(target)
    return n > 0 and any(tokens[i : i + n] == target for i in range(len(tokens) - n + 1))


def _has(tokens: list[str], phrases: tuple[str, ...]) -> bool:
    return any(_phrase_in(tokens, phrase) for phrase in phrases)


# --- continuers and interruptions -------------------------------------------------------------

CONTINUER_WORDS = frozenset(
    "mm mmm mhm mm-hm mm-hmm mhmm hm hmm uh-huh uh huh um yeah yes yep yup okay ok right sure "
    "i see ah oh aha wow haha ha hah laughs laughter sighs sigh true exactly totally".split()
)
"""Words of short backchannels ("mm-hm", "yeah", "I see"): never a reminder on their own."""


def is_continuer(text: str) -> bool:
    """Whether ``text`` is a short backchannel: a single word, or only continuer words."""
    tokens = words(text)
    return len(tokens) <= 1 or all(token in CONTINUER_WORDS for token in tokens)


class Overlap(enum.Enum):
    """What one utterance heard while someone holds the floor is."""

    HOLDER = "holder"
    """The floor holder (or an unattributed voice while only they are expected): their turn goes on."""
    CONTINUER = "continuer"
    """The other person, briefly ("mm-hm", one word): fine, no reminder."""
    INTERRUPTION = "interruption"
    """The other person, competitively, and the attribution is confident."""
    UNSURE = "unsure"
    """Not sure who spoke: say nothing."""


@dataclass(frozen=True)
class TurnRules:
    """Thresholds of the one-speaker-at-a-time policy (from the [session] config)."""

    min_words: int = 3
    """Other-person speech with at least this many words is competitive."""
    min_s: float = 0.7
    """Other-person speech longer than this is competitive (s)."""
    min_windows: int = 2
    """Inside a mixed utterance (mostly the holder's), this many consecutive windows nearer the
    other voice are needed to call it an interruption: one stray window is within the voice
    encoder's error rate, and a wrong reminder is worse than a missed one."""
    lean: float = 0.08
    """How much nearer the other voice each of those windows must be (cosine margin)."""
    repeat_after: int = 2
    """After a reminder, this many further interruptions in the same turn before another one."""


def _competitive(heard: Heard, rules: TurnRules) -> bool:
    return len(words(heard.text)) >= rules.min_words and heard.duration_s > rules.min_s


def classify(heard: Heard, holder: str, other: str, rules: TurnRules) -> Overlap:
    """Classify an utterance heard while ``holder`` has the floor and ``other`` should listen."""
    known = bool(heard.text.strip())  # words unknown only in identify --no-text; a live utterance has some
    short = known and (is_continuer(heard.text) or not _competitive(heard, rules))
    if heard.speaker == other:
        return Overlap.UNSURE if not known else Overlap.CONTINUER if short else Overlap.INTERRUPTION
    if short and heard.speaker is None and heard.windows and all(w.nearer == other for w in heard.windows):
        return Overlap.CONTINUER  # a short "yes" nearer the other voice, unsure: never a reminder anyway
    run = longest_run(heard.windows, other, rules.lean)
    if run >= rules.min_windows:
        return Overlap.INTERRUPTION
    if run or any(w.speaker == other for w in heard.windows):
        return Overlap.UNSURE
    if heard.speaker == holder or heard.windows and all(w.nearer == holder for w in heard.windows):
        return Overlap.HOLDER  # unattributed, but every window is nearer the floor holder
    return Overlap.UNSURE


@dataclass(frozen=True)
class FloorDecision:
    """The policy's answer for one utterance."""

    overlap: Overlap
    remind: bool
    """Whether to give the gentle one-at-a-time reminder now."""


class Floor:
    """One turn: ``holder`` speaks, ``other`` listens; decides when a reminder is due.

    A reminder is given at the first interruption of the turn; after that, only if interrupting
    goes on (``rules.repeat_after`` more interruptions), so one slip is not scolded twice.
    """

    def __init__(self, holder: str, other: str, rules: TurnRules) -> None:
        self.holder = holder
        self.other = other
        self.rules = rules
        self.reminders = 0
        self._since_reminder = 0

    def decide(self, heard: Heard) -> FloorDecision:
        """Classify ``heard`` and say whether a reminder is due."""
        overlap = classify(heard, self.holder, self.other, self.rules)
        if overlap is not Overlap.INTERRUPTION:
            return FloorDecision(overlap, remind=False)
        self._since_reminder += 1
        due = self.reminders == 0 or self._since_reminder >= self.rules.repeat_after
        if due:
            self.reminders += 1
            self._since_reminder = 0
        return FloorDecision(overlap, remind=due)


# --- hand-offs ---------------------------------------------------------------------------------

HANDOFF_PHRASES = (
    "that's it", "that is it", "thats it", "that's all", "that is all", "thats all", "i'm done",
    "i am done", "im done", "i'm finished", "i am finished", "i'm through", "that's everything",
    "nothing more", "no more", "that's all i wanted to say", "that's what i wanted to say",
    "i've said it", "i have said it", "i think that's it", "i'm done now", "over to you",
    "your turn", "that's it for now", "that's all for now", "done",
)


def is_handoff(text: str) -> bool:
    """Whether ``text`` ends the speaker's turn explicitly ("that's it", "I'm done", "no, that's all").

    Only the end of the utterance counts, so "that's it, you never listen..." goes on.
    """
    tokens = words(text)
    if not tokens:
        return False
    tail = tokens[-8:]
    for phrase in HANDOFF_PHRASES:
        target = words(phrase)
        n = len(target)
        if n <= len(tail) and tail[-n:] == target:
            return True
        # "that's it for now", "I'm done, thanks": allow one or two closing words after the phrase.
        for extra in (1, 2):
            if n + extra <= len(tail) and tail[-n - extra : -extra] == target and all(
                t in {"now", "thanks", "thank", "you", "really", "i", "think", "for"} for t in tail[-extra:]
            ):
                return True
    return False


# --- yes / no / not yet ------------------------------------------------------------------------


class Answer(enum.Enum):
    """A short answer to a yes/no question."""

    YES = "yes"
    NO = "no"
    NOT_YET = "not_yet"
    UNCLEAR = "unclear"


_NOT_YET = (
    "not yet", "not now", "not right now", "not today", "later", "maybe later", "not ready",
    "not quite", "almost", "need more time", "need some time", "give me time", "another time",
    "not at the moment", "in a bit",
)
_PARTLY = ("not exactly", "not entirely", "partly", "kind of", "sort of", "mostly", "missed")
"""Only for "did that feel right?": "mostly, but you missed ..." means not yet."""
_UNSURE = ("don't know", "do not know", "not sure", "i'm unsure", "no idea")
_NO = (
    "no", "nope", "nah", "not really", "i'm not", "i am not", "i don't", "i do not", "don't want",
    "not complete", "not at all", "that's all", "that's it", "nothing more", "no more", "i'm done",
    "rather not", "that's everything",
)
_YES = (
    "yes", "yeah", "yep", "yup", "sure", "okay", "ok", "i am", "i do", "of course", "definitely",
    "ready", "i'm ready", "let's", "alright", "all right", "i think so", "uh-huh", "mm-hm", "absolutely",
    "go ahead", "i'm open", "i feel complete", "complete", "there's more", "there is more", "more",
    "i'm in", "that's right", "exactly", "you got it", "spot on",
)
_RIGHT_ON = ("that's it", "that is it")
"""For "did that feel right?", "yes, that's it" means they got it, not "no more"."""


def parse_answer(text: str, *, partly_is_not_yet: bool = False) -> Answer:
    """Read a yes, a no or a not-yet in a short spoken answer.

    "Not yet" is checked first (it contains "not"), then "no" (a no anywhere weighs more than a
    polite "okay" around it), then "yes". With ``partly_is_not_yet`` ("did that feel right?"),
    "mostly", "sort of" or "you missed ..." count as not yet; elsewhere ("I missed you") they
    mean nothing.
    """
    tokens = words(text)
    if not tokens:
        return Answer.UNCLEAR
    if _has(tokens, _NOT_YET) or (partly_is_not_yet and _has(tokens, _PARTLY)):
        return Answer.NOT_YET
    if _has(tokens, _UNSURE):
        return Answer.UNCLEAR
    if partly_is_not_yet and _has(tokens, _RIGHT_ON) and not _has(tokens, ("no", "not", "nope")):
        return Answer.YES
    if _has(tokens, _NO):
        return Answer.NO
    if _has(tokens, _YES):
        return Answer.YES
    return Answer.UNCLEAR


# --- who goes first ----------------------------------------------------------------------------


class Pick(enum.Enum):
    """The kind of answer to "who would like to share first?"."""

    PERSON = "person"
    BOTH = "both"
    NEITHER = "neither"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class FirstChoice:
    """Who goes first, or why that is not decided yet."""

    pick: Pick
    name: str | None = None


_SELF = ("me", "i will", "i'll", "i'll go", "i'd like to", "i want to", "i can", "let me", "i'll start",
         "i could", "i should", "myself", "i go first", "i'd like to go first")
_OTHER = ("you", "you go", "you first", "you start", "you can go", "after you", "not me")
_BOTH_WORDS = ("both", "both of us", "we both", "either", "either of us", "we both do")
_NEITHER = ("neither", "neither of us", "nobody", "no one", "don't know", "do not know", "not sure",
            "whoever", "you decide", "don't mind", "doesn't matter")


def parse_first(text: str, speaker: str | None, names: tuple[str, str]) -> FirstChoice:
    """Read who should share first: a name, "me" / "I will" (the speaker), "you" (the other).

    Both names, "both", "either" -> BOTH; "neither", "I don't know", "whoever" -> NEITHER. "Me"
    from an unattributed voice is UNCLEAR: the session then asks for a name.
    """
    tokens = words(text)
    if not tokens:
        return FirstChoice(Pick.UNCLEAR)
    mentioned = [n for n in names if _phrase_in(tokens, n)]
    if len(mentioned) == 2:
        return FirstChoice(Pick.BOTH)
    if len(mentioned) == 1:
        return FirstChoice(Pick.PERSON, mentioned[0])
    if _has(tokens, _NEITHER):
        return FirstChoice(Pick.NEITHER)
    if _has(tokens, _BOTH_WORDS):
        return FirstChoice(Pick.BOTH)
    if _has(tokens, _OTHER):
        if speaker in names:
            return FirstChoice(Pick.PERSON, names[1] if speaker == names[0] else names[0])
        return FirstChoice(Pick.UNCLEAR)
    if _has(tokens, _SELF) or tokens[0] == "i":
        if speaker in names:
            return FirstChoice(Pick.PERSON, speaker)
        return FirstChoice(Pick.UNCLEAR)
    return FirstChoice(Pick.UNCLEAR)


class Choice(enum.Enum):
    """After "not complete": another round now, or a break."""

    ROUND = "round"
    BREAK = "break"
    UNCLEAR = "unclear"


def parse_round_or_break(text: str) -> Choice:
    """Read "another round" / "let's keep going" versus "a break" / "later"."""
    tokens = words(text)
    if _has(tokens, ("break", "later", "come back", "pause", "another time", "tomorrow", "rest")):
        return Choice.BREAK
    if _has(tokens, ("round", "again", "keep going", "go on", "continue", "now", "more", "carry on")):
        return Choice.ROUND
    return Choice.UNCLEAR


# --- names -------------------------------------------------------------------------------------

_NAME_PATTERNS = (
    re.compile(r"\bmy name(?:'s| is)\s+([A-Za-z][\w'-]*)", re.IGNORECASE),
    re.compile(r"\bcall me\s+([A-Za-z][\w'-]*)", re.IGNORECASE),
    re.compile(r"\bthis is\s+([A-Z][\w'-]*)"),
    re.compile(r"\b(?:I'm|I am|it's|it is|Im)\s+([A-Z][\w'-]*)"),
    re.compile(r"^\s*([A-Z][\w'-]*)\s+here\b"),
)
_NOT_NAMES = frozenset(
    "i im i'm it's my we so well hi hello hey okay ok yes no the a and but just really very not sorry um uh "
    "good fine tired here today".split()
)


_LEADING_FILLER = re.compile(
    r"^\s*(?:(?:uh|um|er|hi|hello|hey|okay|ok|so|well|oh)\b[\s,.!]*)+", re.IGNORECASE
)


def parse_name(text: str) -> str | None:
    """The name someone introduces themselves with ("My name is Alex", "I'm Jo", "Sam here", "Alex.")."""
    clean = text.translate(_APOSTROPHES)
    for pattern in _NAME_PATTERNS:
        match = pattern.search(clean)
        if match and match.group(1).lower() not in _NOT_NAMES:
            return match.group(1).capitalize()
    clean = _LEADING_FILLER.sub("", clean)
    first = re.match(r"^\s*([A-Z][a-z'-]+)\s*[.,!]?(?:\s|$)", clean)
    if first and first.group(1).lower() not in _NOT_NAMES and len(words(clean)) <= 3:
        return first.group(1)
    return None


# --- voice commands ----------------------------------------------------------------------------


class Command(enum.Enum):
    """A voice command accepted at any time."""

    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    SLOWER = "slower"
    BREAK = "break"
    STOP = "stop"


_COMMANDS: dict[Command, tuple[str, ...]] = {
    Command.PAUSE: ("pause", "pause the session", "pause for a moment", "pause for a minute",
                    "can we pause", "let's pause", "hold on a moment", "hold on a minute"),
    Command.RESUME: ("resume", "continue", "let's continue", "we're ready", "we are ready", "unpause",
                     "let's go on", "resume the session", "we're back", "we are back"),
    Command.REPEAT: ("repeat", "repeat that", "repeat that please", "say that again", "can you repeat that",
                     "could you repeat that", "say it again", "what did you say", "come again",
                     "can you say that again", "could you say that again", "repeat please"),
    Command.SLOWER: ("slower", "slow down", "more slowly", "speak slower", "speak more slowly",
                     "a bit slower", "talk slower", "slower please", "can you slow down",
                     "could you slow down", "please slow down"),
    Command.BREAK: ("i need a break", "we need a break", "break", "take a break", "let's take a break",
                    "can we take a break", "could we take a break", "i need a pause", "we need a pause",
                    "i'd like a break", "can we have a break"),
    Command.STOP: ("stop", "stop the session", "end the session", "end session", "quit", "let's stop",
                   "i want to stop", "we want to stop", "stop here", "stop now", "end it here"),
}
_POLITE = frozenset("please okay ok um uh hey so oh facilitator sorry now actually".split())


def parse_command(text: str) -> Command | None:
    """A voice command when the WHOLE utterance is one (politeness aside), else None.

    "Stop" alone is a command; "I wanted you to stop doing that" is part of a share.
    """
    tokens = words(text)
    while tokens and tokens[0] in _POLITE:
        tokens = tokens[1:]
    while tokens and tokens[-1] in _POLITE:
        tokens = tokens[:-1]
    said = " ".join(tokens)
    for command, phrases in _COMMANDS.items():
        if said in phrases:
            return command
    return None

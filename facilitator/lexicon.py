"""The words the reflection judge knows: feelings, faux feelings, synonyms, fillers and a small stemmer.

Written for this project (issue 5). Feelings are grouped into families so that a paraphrase carries
a feeling ("devastated" -> "really sad"); faux feelings (NVC: "ignored", "abandoned") describe what
the other person did, and are kept apart so coaching can invite the feeling under them.
Everything here is plain data and pure functions: no model, no file, no network.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

# Feeling families: name -> word forms and short phrases (lower case, contractions expanded).
# Ambiguous words ("down", "low", "lost", "close") only count inside a phrase with "feel".
FEELINGS: dict[str, tuple[str, ...]] = {
    "lonely": (
        "lonely", "loneliness", "lonesome", "alone", "isolated", "isolation", "disconnected",
        "left out", "on my own", "on your own", "by myself", "by yourself", "shut out", "outsider",
        "out of place",
    ),
    "sad": (
        "sad", "sadness", "sadder", "saddest", "saddened", "unhappy", "heartbroken", "heartbreak",
        "heartbreaking", "grief", "grieving", "gutted", "miserable", "depressed", "depressing",
        "crushed", "devastated", "devastating", "tearful", "crying", "cried", "cry", "tears",
        "sorrow", "broken hearted", "despondent", "gloomy", "melancholy", "mournful",
    ),
    "hurt": (
        "hurt", "hurts", "hurting", "hurtful", "wounded", "pain", "painful", "stung", "aching",
        "ache", "sting", "stings",
    ),
    "scared": (
        "scared", "afraid", "fear", "fears", "fearful", "frightened", "frightening", "terrified",
        "terrifying", "scary", "panic", "panicked", "panicky", "fright", "alarmed", "dread",
    ),
    "anxious": (
        "anxious", "anxiety", "worried", "worry", "worries", "worrying", "nervous", "uneasy",
        "tense", "on edge", "concerned", "restless", "jittery", "apprehensive", "unsettled",
    ),
    "overwhelmed": (
        "overwhelmed", "overwhelming", "swamped", "stressed", "stress", "stressful", "pressure",
        "under pressure", "too much", "burned out", "burnt out", "burnout", "overloaded",
        "stretched thin",
    ),
    "angry": (
        "angry", "anger", "angrier", "mad", "furious", "fury", "rage", "enraged", "pissed",
        "livid", "irate", "resentful", "resentment", "resent", "bitter", "outraged", "hostile",
        "fuming",
    ),
    "frustrated": (
        "frustrated", "frustrating", "frustration", "annoyed", "annoying", "irritated",
        "irritating", "fed up", "exasperated", "aggravated", "irked",
    ),
    "disappointed": (
        "disappointed", "disappointing", "disappointment", "let down", "discouraged",
        "disheartened", "deflated",
    ),
    "ashamed": (
        "ashamed", "shame", "shameful", "embarrassed", "embarrassing", "embarrassment",
        "humiliated", "humiliating", "humiliation", "mortified", "self conscious", "awkward",
    ),
    "guilty": ("guilty", "guilt", "regret", "regrets", "regretful", "remorse", "remorseful"),
    "tired": (
        "tired", "exhausted", "exhausting", "exhaustion", "drained", "draining", "worn out",
        "weary", "fatigued", "fatigue", "wiped out", "depleted", "run down",
    ),
    "confused": (
        "confused", "confusing", "confusion", "puzzled", "baffled", "torn", "unsure", "uncertain",
        "mixed up", "ambivalent", "conflicted",
    ),
    "jealous": ("jealous", "jealousy", "envious", "envy", "possessive"),
    "insecure": (
        "insecure", "insecurity", "inadequate", "not good enough", "worthless", "unworthy",
        "self doubt", "vulnerable", "a failure", "good enough", "nothing i do", "nothing you do",
    ),
    "helpless": (
        "helpless", "powerless", "hopeless", "hopelessness", "stuck", "trapped", "despair",
        "desperate", "defeated", "hands are tied", "at a loss",
    ),
    "upset": (
        "upset", "upsetting", "distressed", "distress", "troubled", "bothered", "rattled",
        "shaken", "not okay", "struggling", "struggle", "hard time", "difficult", "tough",
        "hard for you", "hard for me", "rough",
    ),
    "numb": ("numb", "shut down", "checked out", "indifferent", "detached"),
    "shocked": ("shocked", "surprised", "stunned", "blindsided", "caught off guard", "taken aback"),
    "happy": (
        "happy", "happier", "glad", "joy", "joyful", "pleased", "delighted", "content", "excited",
        "thrilled", "cheerful",
    ),
    "relieved": ("relieved", "relief", "calmer", "peaceful", "at ease", "relaxed"),
    "grateful": ("grateful", "thankful", "gratitude"),
    "loved": ("cared for", "cherished"),
    "longing": ("miss you", "missed you", "miss me", "missed me", "longing", "yearning", "homesick"),
    "hopeful": ("hopeful", "optimistic", "encouraged", "motivated"),
    "proud": ("proud", "pride", "confident", "capable"),
}

# Faux feelings (NVC): words about what the other person did. Acceptable in a share, carried like
# feelings in a reflection, and a reason for a gentle invitation toward the feeling under them.
FAUX_FEELINGS: dict[str, tuple[str, ...]] = {
    "ignored": (
        "ignored", "unheard", "unseen", "invisible", "overlooked", "neglected", "dismissed", "disregarded",
        "brushed off", "not heard", "not seen", "not listened to", "shut out",
    ),
    "abandoned": ("abandoned", "deserted", "rejected", "unwanted", "unloved", "left behind", "pushed away"),
    "misunderstood": (
        "misunderstood", "not understood", "judged", "criticized", "criticised", "attacked",
        "blamed", "accused", "picked on",
    ),
    "betrayed": ("betrayed", "cheated", "lied to", "deceived", "manipulated", "tricked", "violated",
                 "taken advantage of"),
    "unappreciated": (
        "unappreciated", "taken for granted", "unvalued", "unimportant", "not valued",
        "not appreciated", "not a priority", "not important", "second place", "an afterthought",
    ),
    "disrespected": ("disrespected", "belittled", "insulted", "mocked", "patronized", "patronised",
                     "undermined", "undercut", "talked down to", "talking down to", "disrespectful"),
    "controlled": ("controlled", "pressured", "smothered", "cornered", "micromanaged", "nagged"),
}

# Said back in a reflection, these carry a feeling ("you felt like you did not matter" for "unimportant"),
# but they read badly named as a feeling in coaching ("they felt not matter"), so shares do not use them.
REPLY_ONLY: dict[str, str] = {
    "not matter": "unappreciated", "not count": "unappreciated", "came second": "unappreciated",
    "came last": "unappreciated", "second fiddle": "unappreciated", "not respect": "disrespected",
    "treated like a kid": "disrespected", "treated as a kid": "disrespected",
    "treated like a child": "disrespected", "measure up": "insecure", "spare part": "lonely",
}

# Words that name a feeling only right after "feel"/"felt" ("I felt so small", not "a small thing").
FEEL_ONLY: dict[str, str] = {
    "down": "sad", "low": "sad", "blue": "sad", "lost": "confused", "small": "insecure",
    "stupid": "insecure", "useless": "insecure", "flat": "numb", "close": "loved",
    "connected": "loved", "wanted": "loved", "special": "loved", "forgotten": "ignored",
    "left": "abandoned", "bad": "upset", "awful": "upset", "terrible": "upset", "horrible": "upset",
    "worse": "upset", "sick": "upset", "heavy": "sad", "good": "happy", "great": "happy",
    "better": "relieved", "safe": "relieved", "seen": "loved", "heard": "loved", "used": "betrayed",
    "guilty": "guilty", "responsible": "guilty", "exposed": "insecure", "off": "upset",
    "touched": "grateful", "moved": "grateful", "crappy": "upset", "shitty": "upset",
    "empty": "numb", "loved": "loved", "supported": "loved", "calm": "relieved", "unloved": "abandoned",

}
_FEEL_VERBS: frozenset[str] = frozenset({"feel", "felt", "feeling", "feels", "made", "makes", "make"})
_INTENSIFIERS: frozenset[str] = frozenset({"so", "really", "very", "pretty", "quite", "a", "bit", "little",
                                          "kind", "of", "sort", "just", "too", "like", "totally", "me",
                                          "you", "completely", "super", "incredibly", "even", "more", "an"})

# Families close enough that carrying one counts as carrying the other.
RELATED: dict[str, frozenset[str]] = {
    "upset": frozenset({"sad", "hurt", "angry", "frustrated", "anxious", "overwhelmed"}),
    "anxious": frozenset({"scared", "overwhelmed", "upset"}),
    "scared": frozenset({"anxious"}),
    "overwhelmed": frozenset({"anxious", "tired", "upset"}),
    "angry": frozenset({"frustrated", "upset"}),
    "frustrated": frozenset({"angry", "upset"}),
    "sad": frozenset({"hurt", "upset", "disappointed", "lonely"}),
    # "hurt" is the plain word for most painful feelings, so it carries them and they carry it.
    "hurt": frozenset({"sad", "upset", "ashamed", "insecure", "disrespected", "betrayed", "ignored",
                       "abandoned", "misunderstood", "lonely", "disappointed", "unappreciated"}),
    "lonely": frozenset({"sad", "ignored", "abandoned"}),
    "ignored": frozenset({"lonely", "unappreciated"}),
    "abandoned": frozenset({"lonely", "ignored"}),
    "unappreciated": frozenset({"ignored"}),
    "disappointed": frozenset({"sad"}),
    "helpless": frozenset({"overwhelmed"}),
    "tired": frozenset({"overwhelmed"}),
    "ashamed": frozenset({"guilty", "insecure"}),
    "guilty": frozenset({"ashamed"}),
    "insecure": frozenset({"ashamed"}),
    "misunderstood": frozenset({"disrespected"}),
    "disrespected": frozenset({"misunderstood"}),
}

# Content synonyms a paraphrase often swaps (couples' everyday life). Each group maps to its first word.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("quiet", "silent", "silence", "withdraw", "withdrawn", "shut", "mute", "distant", "cold"),
    ("talk", "speak", "say", "tell", "chat", "conversation", "discuss", "mention", "word"),
    ("listen", "hear", "attention", "notice"),
    ("yell", "shout", "scream", "snap", "raise", "loud"),
    ("phone", "cell", "mobile", "screen", "text", "scroll", "instagram", "email"),
    ("work", "job", "office", "boss", "shift", "career", "colleague"),
    ("home", "house", "apartment", "flat", "place"),
    ("kid", "child", "children", "son", "daughter", "baby"),
    ("mom", "mother", "mum", "mommy", "mam"),
    ("dad", "father", "daddy"),
    ("parent", "family", "in-law", "inlaw"),
    ("friend", "buddy", "mate", "pal"),
    ("money", "spend", "cost", "pay", "bill", "debt", "buy", "budget", "expensive", "cash"),
    ("late", "delay", "wait"),
    ("forget", "remember", "miss"),
    ("help", "support", "assist", "hand"),
    ("dinner", "meal", "lunch", "breakfast", "food", "cook", "eat"),
    ("clean", "chore", "dish", "laundry", "mess", "tidy", "housework"),
    ("leave", "walk", "go", "storm", "exit", "gone"),
    ("night", "evening", "tonight", "bed", "bedtime"),
    ("plan", "arrangement", "schedule", "calendar"),
    ("care", "matter", "important", "priority", "value"),
    ("promise", "commit", "agree", "word"),
    ("party", "event", "gathering", "wedding"),
    ("birthday", "anniversary", "celebration"),
    ("drink", "drinking", "alcohol", "beer", "wine", "booze"),
    ("smoke", "cigarette", "smoking", "tobacco"),
    ("sex", "intimacy", "touch", "affection", "hug", "kiss", "intimate"),
    ("trust", "faith", "believe", "rely", "count"),
    ("lie", "lying", "dishonest", "truth", "honest"),
    ("fight", "argue", "argument", "row", "conflict", "quarrel"),
    ("decide", "decision", "choose", "choice"),
    ("weekend", "saturday", "sunday"),
    ("alone", "lonely", "isolated"),
    ("interrupt", "cut"),
    ("criticize", "criticise", "criticism", "judge", "blame", "fault"),
    ("car", "drive", "driving"),
    ("weight", "fat", "heavy", "diet"),
    ("doctor", "gp", "physician", "nurse", "clinic"),
    ("school", "college", "class", "university", "study", "exam", "test"),
    ("health", "healthy", "sick", "ill", "illness"),
    ("quit", "stop"),
)

# Fillers and sounds of transcribed speech, removed before anything else is read.
FILLERS: frozenset[str] = frozenset({
    "um", "umm", "uh", "uhh", "er", "erm", "ah", "ahh", "hmm", "hm", "mm", "mmm", "mhm",
    "mm-hmm", "mmhmm", "mm-hm", "uh-huh", "uh-uh", "huh", "eh",
})

# Function words and words too common to show that content was carried back.
STOPWORDS: frozenset[str] = frozenset("""
a an the and or but so if then than that this these those there here it its it's of in on at to
for from by with about as into over under up down out off again just really very quite too also
is am are was were be been being have has had do does did doing done will would shall should can
could may might must i me my mine myself you your yours yourself we us our ours they them their
he him his she her hers what which who whom whose when where why how all any both each few more
most other some such no nor not only own same s t don now ok okay yeah yes yep right well oh like
know mean kind sort thing things something anything everything nothing lot lots bit get got
feel felt feeling feelings think thought say said tell told go going gonna wanna gotta want make
made let one even still maybe way because since while though although after before until
time times sure guess actually basically literally probably always never ever sometimes
someone somebody anyone everyone people person stuff sound sounds seem seems hear heard
understand see saw get gets getting come came take took give gave back little much many
went goes
""".split())

_IRREGULAR: dict[str, str] = {
    "went": "go", "gone": "go", "goes": "go", "felt": "feel", "forgot": "forget",
    "forgotten": "forget", "left": "leave", "said": "say", "says": "say", "told": "tell",
    "thought": "think", "came": "come", "got": "get", "gotten": "get", "made": "make",
    "took": "take", "taken": "take", "was": "be", "were": "be", "been": "be", "is": "be",
    "are": "be", "am": "be", "did": "do", "done": "do", "does": "do", "had": "have", "has": "have",
    "ran": "run", "knew": "know", "known": "know", "saw": "see", "seen": "see", "spent": "spend",
    "bought": "buy", "brought": "bring", "kept": "keep", "heard": "hear", "lost": "lose",
    "sat": "sit", "met": "meet", "paid": "pay", "ate": "eat", "drank": "drink", "drunk": "drink",
    "fought": "fight", "hid": "hide", "hidden": "hide", "broke": "break", "broken": "break",
    "woke": "wake", "wrote": "write", "written": "write", "spoke": "speak", "spoken": "speak",
    "children": "child", "kids": "kid", "men": "man", "women": "woman", "gave": "give",
    "given": "give", "slept": "sleep", "meant": "mean", "stood": "stand", "understood": "understand",
    "chose": "choose", "chosen": "choose", "began": "begin", "begun": "begin",
    "mum": "mom", "mommy": "mom", "mother": "mom", "father": "dad", "daddy": "dad",
}

_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (apostrophes and hyphens kept inside words)."""
    return _WORD.findall(text.lower())


@functools.lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light suffix-stripping stem, enough to match "yelled"/"yelling"/"yells" to "yell".

    Not Porter: it only needs to be consistent between the share and the reflection.
    """
    w = word.lower().replace("'", "")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3:
        return w
    for suffix, repl in (
        ("iness", "y"), ("fulness", ""), ("ness", ""), ("ments", ""), ("ment", ""),
        ("ingly", ""), ("edly", ""), ("ies", "y"), ("ied", "y"), ("ily", "y"), ("ing", ""),
        ("ed", ""), ("ly", ""), ("es", ""), ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: len(w) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # stopped -> stop, but not called -> cal
            if suffix == "es" and not base.endswith(("sh", "ch", "x", "s", "z")):
                base = base + "e"  # "likes" -> "like", "boxes" -> "box"
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                return w
            return base.rstrip("e") if len(base) > 4 else base
    return w.rstrip("e") if len(w) > 4 else w


def _phrase_table(families: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for family, words in families.items():
        for entry in words:
            table[tuple(entry.split())] = family
    return table


_FEELING_PHRASES = _phrase_table(FEELINGS)
_FAUX_PHRASES = _phrase_table(FAUX_FEELINGS)
_ALL_PHRASES = {**_FEELING_PHRASES, **_FAUX_PHRASES}
_REPLY_PHRASES = {**_ALL_PHRASES, **{tuple(k.split()): v for k, v in REPLY_ONLY.items()}}
_MAX_PHRASE = max(len(key) for key in _REPLY_PHRASES)
# Single words also matched by stem, so "worrying"/"worries" and small misspellings still count.
_FEELING_STEMS: dict[str, str] = {
    stem(key[0]): family for key, family in _ALL_PHRASES.items() if len(key) == 1 and len(key[0]) > 3
}
# A feeling word of 6+ letters with one letter dropped after the first ("scard", "lonly", "anxous"):
# a typing or recognition slip. Slips that are real words ("fight" from "fright") are left out.
_REAL_WORD_SLIPS: frozenset[str] = frozenset({
    "deleted", "exited", "fight", "reset", "sings", "tapped", "shake", "camer", "relie",
})
_FEELING_SLIPS: dict[str, str] = {
    slip: family
    for key, family in _ALL_PHRASES.items() if len(key) == 1 and len(key[0]) >= 6
    for slip in (key[0][:i] + key[0][i + 1 :] for i in range(1, len(key[0])))
    if slip not in _REAL_WORD_SLIPS and (slip,) not in _ALL_PHRASES and slip not in _FEELING_STEMS
    and slip not in STOPWORDS
}
# Words whose stem collides with ordinary words ("used" -> "us", "content" the noun) stay exact.
_EXACT_ONLY: frozenset[str] = frozenset({"tough", "rough", "cry", "struggle", "difficult", "torn", "capable"})

_SYNONYM_KEY: dict[str, str] = {}
for _group in SYNONYMS:
    for _word in _group:
        _SYNONYM_KEY.setdefault(stem(_word), stem(_group[0]))


def is_faux(family: str) -> bool:
    """True for a faux feeling family (a word about what the other did)."""
    return family in FAUX_FEELINGS


def find_feelings(words: Sequence[str], reply: bool = False) -> list[tuple[int, int, str]]:
    """Feelings named in ``words``: (start, end, family) spans, longest phrase first, no overlaps.

    With ``reply``, the REPLY_ONLY phrases count too.
    """
    found: list[tuple[int, int, str]] = []
    table = _REPLY_PHRASES if reply else _ALL_PHRASES
    i = 0
    while i < len(words):
        hit: tuple[int, int, str] | None = None
        for size in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            key = tuple(words[i : i + size])
            if key in table:
                hit = (i, i + size, table[key])
                break
        if hit is None and words[i] in FEEL_ONLY and _after_feel_verb(words, i):
            hit = (i, i + 1, FEEL_ONLY[words[i]])
        if hit is None and words[i] not in _EXACT_ONLY and len(words[i]) > 3:
            family = _FEELING_STEMS.get(stem(words[i]))
            if family is None:
                family = _FEELING_SLIPS.get(words[i])
            if family is not None and not _is_stopword(words[i]):
                hit = (i, i + 1, family)
        if hit is not None:
            found.append(hit)
            i = hit[1]
        else:
            i += 1
    return found


def _after_feel_verb(words: Sequence[str], i: int) -> bool:
    """True when a feel verb comes shortly before ``words[i]``: "I felt scared and so small"."""
    j = i - 1
    while j >= 0 and i - j <= 5:
        if words[j] in _FEEL_VERBS:
            return True
        if words[j] not in _INTENSIFIERS and words[j] not in _LINKS and words[j] not in FEEL_ONLY \
                and not _FEELING_STEMS.get(stem(words[j])) and (words[j],) not in _ALL_PHRASES:
            return False
        j -= 1
    return False


_LINKS: frozenset[str] = frozenset({"and", "or", "but", "then", "also", "kind", "of", "sort", "both"})


def _is_stopword(word: str) -> bool:
    return word in STOPWORDS or word in FILLERS


def families_match(a: str, b: str) -> bool:
    """True when feeling family ``b`` carries ``a`` (the same family or a close one)."""
    return a == b or b in RELATED.get(a, frozenset()) or a in RELATED.get(b, frozenset())


def content_keys(words: Iterable[str]) -> set[str]:
    """Stems of the content words, with synonyms folded onto one key."""
    keys: set[str] = set()
    for word in words:
        if _is_stopword(word) or len(word) < 3:
            continue
        key = stem(word)
        keys.add(_SYNONYM_KEY.get(key, key))
    return keys


def near(a: str, b: str) -> bool:
    """True when two stems are equal or one edit apart (for words of 5+ letters): speech-recognition slips."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def edits(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    """Levenshtein distance of two words (or word lists); ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
        if min(row) > limit:
            return limit + 1
    return row[-1]

"""Rehearsal's data and plain judgements: the practice deck, the rehearse script, and what came through.

Issue 15. Pure: TOML from the package, the lexicon; no device or model library.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from facilitator import lexicon
from facilitator.errors import InputError, ScriptError
from facilitator.mirror import feeling_families, mirror
from facilitator.script import SCHEMA, Script, load_script

DECK = Path(__file__).resolve().parent / "data" / "practice_deck.toml"
"""The built-in practice deck (package data)."""
_NONE: frozenset[str] = frozenset()
REHEARSE_SCRIPT = "rehearse.toml"
REHEARSE_SCHEMA: dict[str, dict[str, frozenset[str]]] = {
    "rehearse": {
        **{key: _NONE for key in (
            "hello", "privacy", "breathe_offer", "breathe_unclear", "breathe_skipped", "check_unclear",
            "landed", "what_missed", "move_on", "again_offer", "clearer_absolutes", "clearer_same",
            "listen_offer", "listen_intro", "listen_your_turn", "listen_waiting", "listen_try_again",
            "listen_move_on", "another_share", "deck_done", "summary_no_feelings", "goodbye",
            "nothing_heard", "summary_listened_once", "summary_missed_once")},
        "clearer_feelings": frozenset({"feelings"}),
        "summary_shares": frozenset({"count"}),
        "summary_feelings": frozenset({"feelings"}),
        "summary_listening": frozenset({"landed", "tried"}),
    },
    "partner": {"heard": _NONE, "not_heard": _NONE, "thanks": _NONE},
    "share": SCHEMA["share"],
    "regulate": SCHEMA["regulate"],
    "commands": SCHEMA["commands"],
}
"""The rehearse script's tables; [share], [regulate] and [commands] replace the session's own."""

DECK_THEMES = frozenset({
    "lateness", "phone at dinner", "chores", "in-laws", "money", "forgotten date", "plans", "sleep",
    "work", "listening", "pets", "guests", "moods", "affection",
})
_HARD_THEMES = re.compile(
    r"\b(?:hit|hits|hitting|slap\w*|punch\w*|kick\w*|threat\w*|hurt me|afraid of you|scared of you"
    r"|cheat\w*|affair|slept with|abus\w*|violen\w*|force\w*|weapon|kill)\b"
)


def load_rehearse_script(session_script: Script, path: str | Path | None = None) -> Script:
    """The session's script with the rehearsal's lines laid over it (``path``: your own rehearse TOML).

    Raises:
        ScriptError: the rehearse script is missing a table or key, or has an unknown one.
    """
    own = load_script(path, schema=REHEARSE_SCHEMA, default=REHEARSE_SCRIPT)
    return Script(source=f"{own.source} over {session_script.source}",
                  lines={**session_script.lines, **own.lines},
                  schema={**session_script.schema, **REHEARSE_SCHEMA})


@dataclass(frozen=True)
class PracticeShare:
    """One share of the practice deck."""

    theme: str
    text: str


def load_deck(path: str | Path | None = None) -> tuple[PracticeShare, ...]:
    """The practice deck (package data ``facilitator/data/practice_deck.toml`` when ``path`` is None).

    Raises:
        ScriptError: unreadable, an unknown theme, a share with no feeling named, or a hard theme.
    """
    where = str(path) if path is not None else "the built-in practice deck"
    try:
        text = Path(path or DECK).read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScriptError(f"Cannot read {where} ({exc}); reinstall the package or fix the file.") from exc
    deck: list[PracticeShare] = []
    for number, item in enumerate(raw.get("share", []), start=1):
        if not isinstance(item, dict) or set(item) != {"theme", "text"}:
            raise ScriptError(f"In {where}, share {number} needs exactly: theme, text.")
        theme, said = str(item["theme"]), str(item["text"]).strip()
        if theme not in DECK_THEMES:
            raise ScriptError(f"In {where}, share {number} has the unknown theme {theme!r}; "
                              "use an everyday one.")
        if not feeling_families(said):
            raise ScriptError(f"In {where}, share {number} names no feeling; practice shares name one.")
        if _HARD_THEMES.search(said.lower()):
            raise ScriptError(f"In {where}, share {number} touches a hard theme; "
                              "keep practice shares everyday.")
        deck.append(PracticeShare(theme, said))
    if not deck:
        raise ScriptError(f"{where} has no [[share]] tables; add some practice shares.")
    return tuple(deck)


_ABSOLUTES = re.compile(r"\b(?:always|never|every single time|constantly|not once)\b")


@dataclass(frozen=True)
class Clearer:
    """What came through more clearly in a later try than in the first."""

    feelings: tuple[str, ...]
    """Feelings named this time (as said) whose families the first try did not name."""
    fewer_absolutes: bool
    """Fewer "always" and "never" than the first try."""

    @property
    def anything(self) -> bool:
        """Whether there is something true to name."""
        return bool(self.feelings) or self.fewer_absolutes


def clearer(first: str, later: str) -> Clearer:
    """Compare two tries of the same share: new feelings named, fewer absolutes. Never invents praise."""
    before = {f for f in feeling_families(first) if not lexicon.is_faux(f)}
    named: list[str] = []
    for family, said in named_feelings(later):
        if family not in before and not lexicon.is_faux(family) and said not in named:
            named.append(said)
    fewer = len(_ABSOLUTES.findall(later.lower())) < len(_ABSOLUTES.findall(first.lower()))
    return Clearer(tuple(named), fewer)


def named_feelings(text: str) -> list[tuple[str, str]]:
    """(family, as said) for each of the sharer's own feelings in ``text``, in order."""
    try:
        reflection = mirror(text)
    except InputError:
        return []
    return list(zip(reflection.families, reflection.feelings, strict=True))


def join_words(items: list[str] | tuple[str, ...]) -> str:
    """Items in a spoken list: "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def times(count: int) -> str:
    """A count of tries in words: "once", "twice", "3 times"."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")

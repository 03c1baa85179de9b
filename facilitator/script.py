"""The words of a session as data: a TOML script per step, validated at load, spoken with variants."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from facilitator.errors import ScriptError

# Every step and key the session speaks, with the placeholders each line may use. A script must
# have all of them (a coach's copy may reword, not drop, a line), and nothing else.
_NAME = frozenset({"name"})
_BOTH = frozenset({"a", "b"})
_ROLES = frozenset({"sharer", "listener"})
_TIME = frozenset({"time"})
_NONE: frozenset[str] = frozenset()

SCHEMA: dict[str, dict[str, frozenset[str]]] = {
    "welcome": {
        "hello": _NONE, "safety": _NONE, "privacy": _NONE, "commands": _NONE,
        "return_reminder": _TIME, "resume": _NONE,
    },
    "names": {
        "ask_first": _NONE, "ask_second": _NAME, "unclear": _NONE, "same": _NONE,
        "more_voice": _NAME, "known": _NAME, "enrolled": _NAME, "thanks": _NAME, "relearn": _NAME,
        "ready": _BOTH,
    },
    "consent": {"ask": _NAME, "unclear": _NAME, "both_yes": _NONE, "not_yet": _NONE},
    "later": {"ask_time": _NONE, "time_back": _TIME, "no_time": _NONE, "goodbye": _NONE},
    "regulate": {"intro": _NONE, "done": _NONE, "cut_short": _NONE},
    "intent": {"reminder": _NONE, "after": _NONE},
    "first": {"ask": _NONE, "suggest": _NONE, "unclear": _BOTH, "chosen": _ROLES, "default": _ROLES},
    "share": {"invite": _ROLES, "again": _ROLES, "more": _ROLES, "unsure": _ROLES, "done": _ROLES},
    "reflect": {
        "invite": _ROLES, "check": _ROLES, "what_missed": _ROLES, "again": _ROLES,
        "move_on": _ROLES, "confirmed": _ROLES, "waiting": _ROLES, "try_again": _ROLES,
    },
    "acknowledge": {"invite": _ROLES, "waiting": _ROLES, "thanks": _ROLES},
    "reassure": {"invite": _ROLES, "waiting": _ROLES, "thanks": _ROLES},
    "switch": {"roles": _ROLES},
    "reconnect": {
        "ask": _NAME, "unclear": _NAME, "invite": _NONE, "goodbye": _NONE, "options": _NONE,
        "options_unclear": _NONE, "another_round": _ROLES, "break": _NONE,
    },
    "reminder": {"one_at_a_time": frozenset({"name", "holder"})},
    "commands": {
        "paused": _NONE, "still_paused": _NONE, "resumed": _NONE, "slower": _NONE,
        "break_start": _NONE, "break_end": _NONE, "stop": _NONE, "nothing_to_repeat": _NONE,
    },
    "device": {"lost": _NONE, "back": _NONE},
}

DEFAULT_SCRIPT = "default.toml"


@dataclass
class Script:
    """The validated lines of a script; ``line`` rotates through each prompt's variants."""

    source: str
    """Where the script came from (a file path, or the package's default)."""
    lines: dict[str, tuple[str, ...]]
    """Variants per prompt id ("step.key")."""
    schema: dict[str, dict[str, frozenset[str]]] = field(default_factory=lambda: SCHEMA)
    """The steps and keys this script was checked against, with their placeholders."""
    _turns: dict[str, int] = field(default_factory=dict, repr=False)

    def line(self, prompt_id: str, **values: str) -> str:
        """The next variant of ``prompt_id`` with its placeholders filled in.

        Variants rotate in order, so a repeated prompt changes its wording and a test or a demo
        cue knows exactly which text comes.
        """
        variants = self.lines[prompt_id]
        turn = self._turns.get(prompt_id, 0)
        self._turns[prompt_id] = turn + 1
        return variants[turn % len(variants)].format(**values)

    def peek(self, prompt_id: str, **values: str) -> str:
        """The text the next ``line(prompt_id, ...)`` will return, without rotating (to synthesize ahead)."""
        variants = self.lines[prompt_id]
        return variants[self._turns.get(prompt_id, 0) % len(variants)].format(**values)

    def placeholders(self, prompt_id: str) -> frozenset[str]:
        """The placeholders ``prompt_id`` may use."""
        step, _, key = prompt_id.partition(".")
        return self.schema[step][key]


def load_script(path: str | Path | None = None, *, schema: dict[str, dict[str, frozenset[str]]] | None = None,
                default: str = DEFAULT_SCRIPT) -> Script:
    """Load and validate a session script (the package's default when ``path`` is None).

    ``schema`` and ``default`` name another kind of script (the rehearsal's: facilitator.rehearsal).

    Raises:
        ScriptError: the file is unreadable, or a step or key is missing or unknown, or a text is
            empty or uses an unknown placeholder; the message names the file, step and key.
    """
    if path is None:
        where = f"the built-in script {default}"
        text = resources.files("facilitator.scripts").joinpath(default).read_text(encoding="utf-8")
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ScriptError(f"Cannot find the script file {path}; check the path.") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ScriptError(f"Cannot read the script file {path} ({exc}); check the file.") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"The script {where} is not valid TOML ({exc}); fix the file.") from exc
    schema = schema or SCHEMA
    return Script(source=where, lines=_validate(raw, where, schema), schema=schema)


def _validate(raw: dict[str, Any], where: str,
              schema: dict[str, dict[str, frozenset[str]]]) -> dict[str, tuple[str, ...]]:
    for step in raw:
        if step not in schema:
            raise ScriptError(
                f"In {where}, the step [{step}] is unknown; use only: {', '.join(schema)}."
            )
    lines: dict[str, tuple[str, ...]] = {}
    for step, keys in schema.items():
        table = raw.get(step)
        if table is None:
            raise ScriptError(f"In {where}, the step [{step}] is missing; add it (see the built-in script).")
        if not isinstance(table, dict):
            raise ScriptError(f"In {where}, [{step}] must be a table of lines; fix that step.")
        for key in table:
            if key not in keys:
                raise ScriptError(
                    f"In {where}, [{step}] has an unknown key '{key}'; known keys: {', '.join(keys)}."
                )
        for key, allowed in keys.items():
            if key not in table:
                raise ScriptError(f"In {where}, [{step}] is missing the key '{key}'; add that line.")
            lines[f"{step}.{key}"] = _variants(table[key], allowed, f"In {where}, [{step}] {key}")
    return lines


def _variants(value: Any, allowed: frozenset[str], at: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ScriptError(f"{at} must be a text or a non-empty list of texts; fix its value.")
    variants: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ScriptError(f"{at} has an empty text; write the words or remove that variant.")
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(item) if name is not None}
        except ValueError as exc:
            raise ScriptError(f"{at} has an unbalanced brace ({exc}); fix the text.") from exc
        unknown = sorted(fields - allowed)
        if unknown:
            usable = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
            raise ScriptError(
                f"{at} uses the unknown placeholder {{{unknown[0]}}}; usable here: {usable}."
            )
        variants.append(item.strip())
    return tuple(variants)

"""Commands of the reflect area: reflect-check (one pair, or many from a JSON-lines file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from facilitator.errors import InputError

if TYPE_CHECKING:
    from facilitator.reflection import Verdict


def _as_dict(verdict: Verdict) -> dict[str, Any]:
    return {
        "accepted": verdict.accepted,
        "score": verdict.score,
        "feelings": list(verdict.feelings),
        "carried": list(verdict.carried),
        "coaching": verdict.coaching,
        "kind": verdict.kind.value,
        "outcome": verdict.outcome.value,
        "action": verdict.action.value,
        "miss_probability": verdict.miss_probability,
    }


_ACTION_WORDS = {
    "reflection": "a reflection: ask the sharer whether it felt right",
    "unsure": "unsure: ask the sharer, without coaching",
    "miss": "a clear miss: coach the listener",
}


def _print(verdict: Verdict) -> None:
    click.echo(f"Outcome: {_ACTION_WORDS[verdict.outcome.value]}")
    answer = "yes" if verdict.accepted else f"no ({verdict.kind.value.replace('_', ' ')})"
    click.echo(f"Accepted: {answer}, score {verdict.score:.2f}")
    click.echo(f"Feelings in the share: {', '.join(verdict.feelings) or '(none named)'}")
    click.echo(f"Carried back: {', '.join(verdict.carried) or '(none)'}")
    if verdict.coaching:
        click.echo(f"Coaching: {verdict.coaching}")


def _batch(path: Path) -> None:
    from facilitator.reflection import judge

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}; give a UTF-8 JSON-lines file to --batch.") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            share, reflection = item["share"], item["reflection"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            shape = '{"share": ..., "reflection": ...}'
            raise InputError(f"Line {number} of {path} is not {shape}; fix or remove that line.") from exc
        if not isinstance(share, str) or not isinstance(reflection, str):
            raise InputError(f"Line {number} of {path}: share and reflection must be text; fix that line.")
        click.echo(json.dumps(_as_dict(judge(share, reflection)), ensure_ascii=False))


@click.command("reflect-check")
@click.option("--share", default=None, metavar="TEXT", help="What the sharer said.")
@click.option("--reflection", default=None, metavar="TEXT", help="What the listener said back.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: accepted, score, feelings, carried, coaching, kind, outcome, "
                   "action, miss_probability.")
@click.option("--batch", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help='Judge each line {"share": ..., "reflection": ...} of this file; one JSON verdict a line.')
def reflect_check(share: str | None, reflection: str | None, as_json: bool, batch: Path | None) -> None:
    """Check whether a reflection reflects a share back, and say what to try when it misses.

    Example: facilitator reflect-check --share "I felt alone when you went quiet"
    --reflection "You felt alone when I went quiet"
    """
    if batch is not None:
        if share is not None or reflection is not None:
            raise InputError("Give either --batch FILE or --share and --reflection, not both.")
        _batch(batch)
        return
    if share is None or reflection is None:
        raise InputError('Give both --share TEXT and --reflection TEXT (or --batch FILE.jsonl).')
    from facilitator.reflection import judge

    verdict = judge(share, reflection)
    if as_json:
        click.echo(json.dumps(_as_dict(verdict), ensure_ascii=False))
    else:
        _print(verdict)


COMMANDS: list[click.Command] = [reflect_check]

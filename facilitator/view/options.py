"""The ``--view`` / ``--no-browser`` options, shared by every command that can show the live view."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from facilitator.errors import InputError

if TYPE_CHECKING:
    from facilitator.sessionlog import SessionLog
    from facilitator.view import LiveView

F = TypeVar("F", bound=Callable[..., Any])


def view_options(command: F) -> F:
    """Add ``--view`` and ``--no-browser`` to a click command (parameters ``view``, ``no_browser``)."""
    command = click.option(
        "--no-browser", is_flag=True, help="With --view: print the address instead of opening a browser."
    )(command)
    return click.option("--view", is_flag=True,
                        help="Follow along on a calm page in your browser (private to this laptop).")(command)


def start_view(log: SessionLog | None, view: bool, no_browser: bool, title: str, *,
               path: bool = True) -> LiveView | None:
    """The live view when asked for (its address printed on stderr), else None.

    Raises:
        InputError: ``--no-browser`` without ``--view``.
    """
    if no_browser and not view:
        raise InputError("--no-browser goes with --view; add --view to see the page.")
    if not view:
        return None
    from facilitator.view import attach_view

    return attach_view(log, title=title, open_browser=not no_browser, path=path,
                       announce=lambda line: click.echo(line, err=True))

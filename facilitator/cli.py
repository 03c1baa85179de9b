"""The composition root: click commands, wiring of adapters, user errors to exit status 1.

Each area keeps its commands in ``facilitator/commands/<area>.py`` as a ``COMMANDS`` list; those
modules import engines lazily inside the command functions, so ``--help`` needs no PortAudio or
models.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from facilitator import __version__
from facilitator.commands import breathe, demo, reflect, rehearse, session, speech, voices
from facilitator.errors import FacilitatorError


class FacilitatorGroup(click.Group):
    """A group that prints user-fixable errors as one line and exits 1, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning FacilitatorError and Ctrl-C into clean exits."""
        try:
            return super().invoke(ctx)
        except FacilitatorError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("\nStopped.", err=True)
            sys.exit(130)


@click.group(cls=FacilitatorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="facilitator")
def main() -> None:
    """Guide two people through a spoken repair conversation, entirely offline."""


for _module in (speech, breathe, voices, reflect, session, rehearse, demo):
    for _command in _module.COMMANDS:
        main.add_command(_command)

"""Commands of the session area."""

import click

COMMANDS: list[click.Command] = []

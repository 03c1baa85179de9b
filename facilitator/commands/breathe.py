"""Commands of the breathe area."""

import click

COMMANDS: list[click.Command] = []

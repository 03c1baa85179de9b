"""Commands of the demo area."""

import click

COMMANDS: list[click.Command] = []

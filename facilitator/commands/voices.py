"""Commands of the voices area."""

import click

COMMANDS: list[click.Command] = []

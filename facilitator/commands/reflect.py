"""Commands of the reflect area."""

import click

COMMANDS: list[click.Command] = []

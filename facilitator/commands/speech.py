"""Commands of the speech area."""

import click

COMMANDS: list[click.Command] = []

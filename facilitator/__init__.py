"""Facilitator: an offline voice guide for a two-person repair conversation."""

__version__ = "0.1.0"

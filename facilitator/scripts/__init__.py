"""Session scripts: the words the facilitator speaks, as TOML package data."""

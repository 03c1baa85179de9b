"""Shared test fixtures: the ../shared data folder (skip cleanly without it), a private home."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder; tests that use it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (it holds the real recordings)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes voiceprints and session state into its own folder."""
    home = tmp_path / "facilitator-home"
    monkeypatch.setenv("FACILITATOR_HOME", str(home))
    return home

"""The virtual sound card for tests that need real audio devices; they skip where it cannot run."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from audio_rig import VirtualSoundCard, have_pulseaudio  # noqa: E402


def running_card(folder: Path) -> Iterator[VirtualSoundCard]:
    """A private PulseAudio microphone and speaker kept in ``folder``, stopped when the fixture ends.

    For a fixture to ``yield from``; the test skips when PulseAudio is missing or cannot start.
    """
    if not have_pulseaudio():
        pytest.skip("PulseAudio is not installed (./setup.sh --with-test-audio installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    card = VirtualSoundCard(folder)
    try:
        card.start()
    except RuntimeError as exc:
        pytest.skip(f"the virtual sound card cannot start here: {exc}")
    yield card
    card.stop()

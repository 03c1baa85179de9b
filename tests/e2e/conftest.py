"""The virtual sound card for the end-to-end tests: one PulseAudio pair per test session.

``sound_card`` starts scripts/virtual_audio.sh once per pytest session (skipping cleanly when
PulseAudio is not installed); ``room`` gives each test a microphone writer that sends sound in
real time and a recorder on the speaker, and puts the microphone back if a test unplugged it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from audio_rig import MicWriter, Shown, SpeakerRecorder, VirtualSoundCard  # noqa: E402
from sound_card import running_card  # noqa: E402
from words import precision  # noqa: E402

PROBE = Path(__file__).with_name("sd_probe.py")


@pytest.fixture(scope="session")
def sound_card(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualSoundCard]:
    """A private PulseAudio microphone and speaker for this test run."""
    yield from running_card(tmp_path_factory.mktemp("sound-card"))


@dataclass
class Room:
    """One test's view of the sound card: talk into ``mic``, hear ``speaker``."""

    card: VirtualSoundCard
    mic: MicWriter
    speaker: SpeakerRecorder

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should use the virtual card."""
        env = self.card.env()
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def probe(self, *args: str, timeout_s: float = 60.0) -> list[dict[str, object]]:
        """Run tests/e2e/sd_probe.py on the card; its JSON lines."""
        done = subprocess.run([sys.executable, str(PROBE), *args], env=self.env(), capture_output=True,
                              text=True, timeout=timeout_s)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    def transcribe_after(self, t_s: float, transcriber: object, max_s: float = 8.0) -> str:
        """Whisper's text of the first stretch of speaker sound that started after ``t_s``."""
        import numpy as np

        spans = [s for s in self.speaker.spans(min_gap_s=0.6) if s[0] >= t_s - 0.05]
        assert spans, "the speaker was silent"
        start, end = spans[0]
        first, last = self.speaker.sample_at(start), self.speaker.sample_at(min(end, start + max_s))
        audio = np.asarray(self.speaker.audio()[first:last], dtype=np.float32)
        return str(transcriber.transcribe(audio).text)  # type: ignore[attr-defined]

    def spoken_share(self, shown: Shown, transcriber: object) -> tuple[float, str]:
        """Whisper's text of the speaker sound after ``shown`` appeared, and the share of it that is
        ``shown``'s words (tests/words.py precision: the recording may be cut before the prompt ends).
        """
        heard = self.transcribe_after(shown.t_s, transcriber)
        return precision(shown.text, heard), heard

    def start_probe(self, *args: str) -> subprocess.Popen[str]:
        """Start sd_probe.py; read its JSON lines from ``stdout`` after it ends."""
        return subprocess.Popen([sys.executable, str(PROBE), *args], env=self.env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="session")
def transcriber() -> object:
    """The project's Whisper transcriber, to hear what the facilitator said on the speaker."""
    from facilitator.adapters.whisper import WhisperTranscriber

    return WhisperTranscriber()


@pytest.fixture
def room(sound_card: VirtualSoundCard) -> Iterator[Room]:
    """A microphone writer (quiet room sound, always on) and a recording of the speaker."""
    mic = MicWriter(sound_card.fifo)
    with mic, SpeakerRecorder(sound_card) as speaker:
        yield Room(sound_card, mic, speaker)
        try:
            sound_card.plug()  # a test that unplugged it and failed: the next test needs it back
        except RuntimeError:
            pass  # already plugged in

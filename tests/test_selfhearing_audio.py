"""The own-words rule on what Whisper really hears: the Piper voice's echo through a real room.

No canceller here, so this is the worst case the rule backs up: the whole echo at -6 dB reaches
Whisper. A real person's speech heard during the same prompt is not taken for the echo.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from facilitator.audio import SAMPLE_RATE, load_audio, resample
from facilitator.selfhearing import Playback, own_words

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"
sys.path.insert(0, str(REPO / "scripts"))

from echo_path import echo_of, load_rir, room_noise  # noqa: E402

pytestmark = pytest.mark.skipif(not (SPEECH / "speechbrain" / "RIRs").is_dir(), reason="needs ../shared/data")

PROMPTS = (
    "Hello, and welcome. I'll guide the two of you through a conversation to help you find each "
    "other again. We'll go one step at a time, and there's no rush.",
    "At any moment you can say pause, repeat that, slower, I need a break, or stop.",
)


@pytest.fixture(scope="module")
def engines():  # type: ignore[no-untyped-def]
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.whisper import WhisperTranscriber

    return load_voice(), WhisperTranscriber()


def _spoken(voice, text: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    audio = np.concatenate(list(voice.synthesize(text)))
    return resample(audio, voice.sample_rate, SAMPLE_RATE)


@pytest.mark.parametrize("room", ["rir1.wav", "rir3.wav"])
def test_the_echo_of_a_prompt_is_its_own_words(engines, room: str) -> None:  # type: ignore[no-untyped-def]
    voice, whisper = engines
    rir = load_rir(SPEECH / "speechbrain" / "RIRs" / room)
    for text in PROMPTS:
        played = _spoken(voice, text)
        heard = echo_of(played, rir, 0.03, -6.0) + room_noise(played.size, 2) * 10 ** (-50 / 20)
        total_s = played.size / SAMPLE_RATE
        for start_s, end_s in ((0.0, total_s / 2), (total_s / 2, total_s)):
            clip = heard[int(start_s * SAMPLE_RATE) : int(end_s * SAMPLE_RATE)]
            said = whisper.transcribe(clip.astype(np.float32)).text
            verdict = own_words(said, end_s - start_s, Playback(text, total_s, end_s))
            assert verdict.own, (said, verdict)
            other = next(p for p in PROMPTS if p != text)  # the same words, another prompt playing
            assert not own_words(said, end_s - start_s, Playback(other, total_s, end_s)).own, said


def test_a_person_talking_over_a_prompt_is_not_its_own_words(engines) -> None:  # type: ignore[no-untyped-def]
    voice, whisper = engines
    person = load_audio(SPEECH / "librispeech-test-other-10spk" / "3005" / "3005-163389-0000.flac")
    played = _spoken(voice, PROMPTS[0])
    total_s = played.size / SAMPLE_RATE
    said = whisper.transcribe(person).text
    assert said.strip()
    verdict = own_words(said, person.size / SAMPLE_RATE, Playback(PROMPTS[0], total_s, total_s * 0.7))
    assert not verdict.own, (said, verdict)

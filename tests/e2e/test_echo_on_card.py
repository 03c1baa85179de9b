"""The rig's echo path (issue 13, an option, not yet the default): what the virtual speaker plays
comes back into the virtual microphone through a real room response, at the set level and delay.

Not yet part of the default run (FACILITATOR_ECHO_RIG=1 runs it). Its one run on the virtual card
(under the heavy-work lock) heard the level right (-11.5 dB for -10, as offline for this speech
and room) but the delays 28 ms short of those set (12 ms for 40, 32 ms for 60): the difference
between the two is exact, so the offset lies between the speaker recorder's and the microphone
recorder's clocks, and is not yet explained. tests/test_echo_path.py checks the same on a
simulated monitor, where the delay is exact.
"""

from __future__ import annotations

import os
import subprocess
import time

import numpy as np
import pytest
from audio_rig import RATE, MicWriter, SpeakerRecorder
from echo_path import RIRS, MonitorEcho, load_rir, measure_echo

from facilitator.audio import load_audio

JFK = RIRS.parents[1] / "faster-whisper" / "jfk.flac"


def _play(card, audio: np.ndarray) -> None:  # noqa: ANN001
    """Play float32 mono 16 kHz on the virtual speaker (pacat: no facilitator code involved)."""
    data = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(["pacat", "--playback", f"--server={card.speaker_server}", "--device=speaker",
                    "--rate=16000", "--channels=1", "--format=s16le", "--raw", "--latency-msec=30"],
                   input=data, env=card.tool_env(), check=True, timeout=60)


@pytest.mark.skipif(not RIRS.is_dir(), reason="needs ../shared/data")
@pytest.mark.skipif(os.environ.get("FACILITATOR_ECHO_RIG") != "1",
                    reason="not yet verified on the virtual card; FACILITATOR_ECHO_RIG=1 runs it")
@pytest.mark.parametrize(("delay_s", "level_db"), [(0.040, -10.0), (0.060, -6.0)])
def test_what_is_played_comes_back_into_the_microphone(sound_card, delay_s, level_db) -> None:  # noqa: ANN001
    speech = load_audio(JFK)[: 6 * RATE] * 0.5
    rir = load_rir(RIRS / "rir2.wav")
    mic_server = f"unix:{sound_card.folder / 'mic.sock'}"
    with SpeakerRecorder(sound_card) as speaker:
        echo = MonitorEcho(speaker, rir, delay_s, level_db)
        with MicWriter(sound_card.fifo, bed=np.zeros(RATE, np.float32), echo=echo), \
                SpeakerRecorder(sound_card, device="mic", server=mic_server) as mic:
            start = time.monotonic()
            _play(sound_card, speech)
            time.sleep(0.5)
            end = time.monotonic()
    a, b = speaker.sample_at(start), speaker.sample_at(end)
    played = speaker.audio()[a:b]
    m = mic.sample_at(start)
    heard = mic.audio()[m : m + played.size]
    n = min(played.size, heard.size)  # the microphone's last few ms may not have arrived
    assert n > 5 * RATE
    found_delay, found_level = measure_echo(played[:n], heard[:n])
    print(f"set {delay_s * 1000:.0f} ms {level_db:.0f} dB; heard {found_delay * 1000:.1f} ms "
          f"{found_level:.1f} dB (the monitor made it {echo.late_s * 1000:.0f} ms later)")
    assert delay_s - 0.005 <= found_delay <= delay_s + echo.late_s + 0.040
    assert abs(found_level - level_db) < 2.5

"""The speech commands through click's CliRunner: say, transcribe, devices, check, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from words import recall  # tests/words.py says why transcripts are not compared word for word

from facilitator.audio import load_audio, resample
from facilitator.cli import main

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, output
    return lines[0]


def test_say_to_a_file_and_transcribe_it_back(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    said = ("Hello, I am glad you are both here.", "Shall we begin?")
    code, output = run("say", *said, "--out", str(out))
    assert code == 0, output
    info = soundfile.info(str(out))
    assert info.samplerate == 22050 and info.channels == 1 and info.duration > 1.5
    code, output = run("transcribe", str(out))
    assert code == 0
    # Piper's voice through Whisper: 8 of the 10 words back shows the file holds that speech,
    # with room for a processor's rounding to change a word ("Hello" and "Shall" are the fragile ones).
    assert recall(" ".join(said), output) >= 0.8, output


def test_transcribe_json_any_rate_stereo(shared_data: Path, tmp_path: Path) -> None:
    jfk = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    stereo = np.stack([resample(jfk, 16000, 44100)] * 2, axis=1) * 0.8
    path = tmp_path / "jfk-44k-stereo.wav"
    soundfile.write(str(path), stereo, 44100)
    code, output = run("transcribe", "--json", str(path))
    assert code == 0, output
    rows = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert rows and set(rows[0]) == {"start_s", "end_s", "text"}
    assert all(r["start_s"] <= r["end_s"] for r in rows)
    assert rows[-1]["end_s"] > 9.0
    # Resampled twice and mixed to mono, the speech is still clean: two of 22 words may differ.
    assert recall(JFK, " ".join(r["text"] for r in rows)) >= 0.9, rows


def test_transcribe_mp3(shared_data: Path, tmp_path: Path) -> None:
    jfk = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    path = tmp_path / "jfk.mp3"
    try:
        soundfile.write(str(path), jfk, 16000, format="MP3")
    except (soundfile.LibsndfileError, ValueError, TypeError):
        pytest.skip("this libsndfile cannot write mp3")
    code, output = run("transcribe", str(path))
    # mp3 loses a little; most of the sentence back shows the file was decoded as speech.
    assert code == 0 and recall(JFK, output) >= 0.8, output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("say",), "no text to say"),
        (("say", "   "), "no text to say"),
        (("say", "Hello.", "--out", "speech.mp3"), "must end in .wav"),
        (("say", "Hello.", "--out", "no/such/folder/x.wav"), "does not exist"),
        (("say", "Hello.", "--voice", "nobody"), "no voice named"),
        (("say", "Hello.", "--output", "no-such-device-anywhere"), "device"),
        (("transcribe", "missing.wav"), "Cannot find the audio file"),
        (("transcribe", "empty.wav"), "empty.wav"),
        (("transcribe", "text.wav"), "give a wav, flac or mp3"),
        (("transcribe", "silent.wav", "--model", "base.en"), "--allow-download"),
        (("transcribe", "silent.wav", "--model", "broken-model"), "Cannot load the Whisper model"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    args: tuple[str, ...], fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty.wav").write_bytes(b"")
    Path("text.wav").write_text("this is not audio")
    soundfile.write("silent.wav", np.zeros(16000, dtype=np.float32), 16000)
    Path("broken-model").mkdir()
    Path("broken-model/model.bin").write_bytes(b"not a model")
    code, output = run(*args)
    assert code == 1
    assert fragment.lower() in one_error_line(output).lower()


def test_a_changed_voice_file_is_refused(tmp_path: Path, private_home: Path) -> None:
    folder = tmp_path / "voice"
    folder.mkdir()
    (folder / "x.onnx").write_bytes(b"weights that were changed")
    (folder / "x.onnx.json").write_text("{}")
    wrong = "0" * 64
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "voices.toml").write_text(
        f'[[voice]]\nname = "mine"\nfolder = "{folder}"\nmodel = "x.onnx"\nsource = "my backup"\n'
        f'[voice.files]\n"x.onnx" = "{wrong}"\n"x.onnx.json" = "{wrong}"\n'
    )
    code, output = run("say", "Hello.", "--voice", "mine", "--out", str(tmp_path / "x.wav"))
    assert code == 1
    line = one_error_line(output)
    assert "not the expected file" in line and "get it again from my backup" in line
    assert not (tmp_path / "x.wav").exists()


def test_check_offline_only_passes_with_the_bundled_models() -> None:
    code, output = run("check", "--offline-only")
    assert code == 0, output
    lines = output.splitlines()
    assert len(lines) == 5 and all(line.startswith("ok") for line in lines)
    assert "sha256 as expected" in lines[0]


def _without_portaudio(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI where importing sounddevice fails as it does without PortAudio (OSError)."""
    fake = tmp_path / "fake"
    fake.mkdir(exist_ok=True)
    (fake / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    env = dict(os.environ, PYTHONPATH=str(fake))
    code = "import sys; from facilitator.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_no_portaudio_is_a_clear_error(tmp_path: Path) -> None:
    result = _without_portaudio(tmp_path, "devices")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: The PortAudio library is missing; install it with sudo apt-get install libportaudio2."
    )
    result = _without_portaudio(tmp_path, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    items = [f.split(":")[0].removeprefix("FAIL").strip() for f in failures]
    assert items == ["PortAudio", "input device", "output device"]
    assert "apt-get install libportaudio2" in failures[0]


def test_devices_lists_or_says_none() -> None:
    code, output = run("devices")
    if code == 1:
        assert "PortAudio" in one_error_line(output)
    else:
        assert code == 0
        assert output.startswith("No audio devices found.") or output.splitlines()[0].split()[0] == "index"


def test_listen_to_a_file(shared_data: Path) -> None:
    code, output = run("listen", "--file", str(shared_data / "speech" / "faster-whisper" / "jfk.flac"))
    assert code == 0, output
    lines = output.splitlines()
    assert len(lines) >= 2 and all(line.startswith("[") for line in lines)
    # Cut into utterances at the speaker's pauses, the words at each cut are the fragile ones:
    # 80 % of the sentence shows every part of it was heard and printed.
    assert recall(JFK, " ".join(line.split("]", 1)[1] for line in lines)) >= 0.8, output

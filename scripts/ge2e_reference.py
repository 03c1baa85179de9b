"""Produce tests/fixtures/ge2e_reference.npz with the real resemblyzer (torch) on a few clips.

Run once, in a SEPARATE venv that has torch (never in the project's venv):

    python3 -m venv /tmp/torchref
    /tmp/torchref/bin/pip install torch==2.13.0 librosa webrtcvad-wheels soundfile
    /tmp/torchref/bin/pip install --no-deps resemblyzer==0.1.4
    /tmp/torchref/bin/python scripts/ge2e_reference.py ../shared/data/speech tests/fixtures/ge2e_reference.npz

For each clip the fixture holds the clip's place (file under the data folder, first and last
sample), resemblyzer's embedding of the clip after volume normalisation only (what our numpy port
computes: ``embed``), its partial embeddings, and, for information, the embedding after resemblyzer's
full preprocessing (volume + webrtcvad silence trimming). A synthetic clip (harmonics with a
gliding pitch, no shared data needed) is stored as int16 samples so the port can be checked
everywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile
import torch

CLIPS = [
    # (name, file under the speech folder, start s, end s)
    ("pyannote_0_10", "pyannote-sample/sample.wav", 0.0, 10.0),
    ("pyannote_speaker91", "pyannote-sample/sample.wav", 22.0, 27.5),
    ("libri_1688", "librispeech-test-other-10spk/1688/1688-142285-0000.flac", 0.0, None),
    ("ami_dev00_short", "ami-debug/dev00.wav", 3.0, 4.2),
    ("ami_trn00_3s", "ami-debug/trn00.wav", 10.0, 13.0),
]


def synthetic_clip(seconds: float = 2.5, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    f0 = 140.0 + 30.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t) ** 2
    return (0.1 * wave * envelope).astype(np.float32)


def main(speech: Path, out: Path) -> None:
    original_load = torch.load

    def load_full(*args, **kwargs):  # the checkpoint holds optimizer state: not weights-only
        kwargs["weights_only"] = False
        return original_load(*args, **kwargs)

    torch.load = load_full
    from resemblyzer import VoiceEncoder, preprocess_wav
    from resemblyzer.audio import normalize_volume

    torch.set_num_threads(1)
    encoder = VoiceEncoder(device="cpu", verbose=False)
    names, files, spans, embeds, full = [], [], [], [], []
    partials: dict[str, np.ndarray] = {}
    synth_int16 = np.round(synthetic_clip() * 32767).astype(np.int16)
    clips = [("synthetic", "", 0, len(synth_int16), synth_int16.astype(np.float32) / 32767)]
    for name, rel, start_s, end_s in CLIPS:
        wav, rate = soundfile.read(str(speech / rel), dtype="float32")
        assert rate == 16000, rel
        a = int(start_s * rate)
        b = len(wav) if end_s is None else int(end_s * rate)
        clips.append((name, rel, a, b, wav[a:b]))
    for name, rel, a, b, wav in clips:
        embed, parts, _ = encoder.embed_utterance(normalize_volume(wav, -30, increase_only=True),
                                                  return_partials=True)
        names.append(name)
        files.append(rel)
        spans.append((a, b))
        embeds.append(embed)
        partials[f"partials_{name}"] = parts
        full.append(encoder.embed_utterance(preprocess_wav(wav)))
        print(f"{name}: {len(parts)} partials, cos(no trim, resemblyzer full preprocess) = "
              f"{float(np.dot(embed, full[-1])):.4f}")
    np.savez_compressed(
        out, names=np.array(names), files=np.array(files), spans=np.array(spans, dtype=np.int64),
        embeddings=np.array(embeds, dtype=np.float32),
        preprocessed_embeddings=np.array(full, dtype=np.float32),
        synthetic_int16=synth_int16, **partials,
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

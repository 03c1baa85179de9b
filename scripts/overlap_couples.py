"""Simulated couples at one microphone, for scripts/bench_overlap.py.

A sharer's turn is their LibriSpeech utterances (test-other, not in the voice encoder's training
data) joined by short and long pauses; the listener's voice is planted over it: talk-overs of
0.3-4 s and continuers of one or two words, each cut at word boundaries from the listener's own
read speech (word times from Whisper, cached). The mix goes through a speechbrain room response
per person (two positions) with real speechbrain noise, and optionally with the two voices 6 dB
apart. Truth follows the issue: a talk-over is the other person over the floor holder for at
least 0.7 s with 3 or more words; anything shorter is a continuer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from facilitator.audio import SAMPLE_RATE, Audio, load_audio

ENROL_MIN_S = 6.0
ENROL_MAX_S = 8.0
TALKOVER_MIN_S = 0.7
TALKOVER_MIN_WORDS = 3

Word = tuple[float, float, str]


@dataclass
class Speaker:
    name: str
    enrol: Audio
    clips: list[tuple[Audio, list[Word]]]
    """The utterances outside enrolment, each with its word times (s)."""


@dataclass(frozen=True)
class Event:
    start_s: float
    end_s: float
    words: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def talkover(self) -> bool:
        return self.duration_s >= TALKOVER_MIN_S and self.words >= TALKOVER_MIN_WORDS


@dataclass
class Track:
    sharer: str
    listener: str
    audio: Audio
    events: list[Event]
    enrol: dict[str, Audio]


def word_times(files: list[Path], cache: Path) -> dict[str, list[Word]]:
    """Whisper's word times for each file (tiny.en, the bundled model), cached by file name."""
    known: dict[str, list[Word]] = json.loads(cache.read_text()) if cache.is_file() else {}
    todo = [f for f in files if f.name not in known]
    if todo:
        from faster_whisper import WhisperModel

        from facilitator.models import resolve_whisper

        model = WhisperModel(resolve_whisper().model, device="cpu", compute_type="int8", cpu_threads=1)
        for f in todo:
            segments, _ = model.transcribe(str(f), word_timestamps=True, beam_size=1,
                                           condition_on_previous_text=False)
            known[f.name] = [(w.start, w.end, w.word.strip()) for s in segments for w in (s.words or [])]
        cache.write_text(json.dumps(known))
    return {f.name: [tuple(w) for w in known[f.name]] for f in files}  # type: ignore[misc]


def librispeech(folder: Path, cache: Path) -> dict[str, Speaker]:
    """Each speaker: enrolment from their first utterances (6-8 s), the rest with word times."""
    out = {}
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(d.glob("*.flac"))
        times = word_times(files, cache)
        taken, total, clips = [], 0.0, []
        for f in files:
            a = load_audio(f)
            if total < ENROL_MIN_S:
                take = a[: int((ENROL_MAX_S - total) * SAMPLE_RATE)]
                taken.append(take)
                total += len(take) / SAMPLE_RATE
            else:
                clips.append((a, times[f.name]))
        out[d.name] = Speaker(d.name, np.concatenate(taken), clips)
    return out


def _cut(rng: np.random.Generator, listener: Speaker, target_s: float, max_words: int) -> tuple[Audio, int]:
    """A stretch of the listener's speech cut at word boundaries, close to ``target_s`` long."""
    for _ in range(50):
        audio, words = listener.clips[int(rng.integers(len(listener.clips)))]
        if not words:
            continue
        i = int(rng.integers(len(words)))
        j = i
        while j + 1 < len(words) and words[j][1] - words[i][0] < target_s and j + 1 - i < max_words:
            j += 1
        a, b = words[i][0], words[j][1]
        if b - a < 0.15 or (b - a) > target_s + 0.8:
            continue
        piece = audio[int(max(0.0, a - 0.03) * SAMPLE_RATE): int((b + 0.05) * SAMPLE_RATE)]
        return piece, j - i + 1
    raise RuntimeError(f"no word stretch found for {listener.name}")


def build(sharer: Speaker, listener: Speaker, seed: int) -> tuple[Audio, Audio, list[Event]]:
    """The sharer's turn and the listener's planted speech as two aligned tracks, with the truth."""
    rng = np.random.default_rng(seed)
    parts, active, t = [], [], 0.0
    for audio, _words in sharer.clips:
        pause = float(rng.choice([0.3, 0.4, 0.5, 1.0, 1.5]))
        parts.append(np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32))
        t += pause
        parts.append(audio)
        active.append((t, t + len(audio) / SAMPLE_RATE))
        t += len(audio) / SAMPLE_RATE
    main = np.concatenate(parts + [np.zeros(SAMPLE_RATE, dtype=np.float32)])
    other = np.zeros_like(main)
    events: list[Event] = []
    free_from = 2.0
    kinds = ["talkover"] * 8 + ["continuer"] * 5
    rng.shuffle(kinds)
    for kind in kinds:
        spots = [(a, b) for a, b in active if b - max(a, free_from) > 1.0]
        if not spots:
            break
        a, b = spots[0]  # the next stretch of the sharer's speech, a little into it
        start = float(rng.uniform(max(a, free_from), min(b - 0.8, max(a, free_from) + 2.0)))
        if kind == "talkover":
            piece, n = _cut(rng, listener, float(rng.uniform(0.3, 4.0)), 20)
        else:
            piece, n = _cut(rng, listener, 0.2, int(rng.integers(1, 3)))
        i = int(start * SAMPLE_RATE)
        piece = piece[: len(other) - i]
        other[i: i + len(piece)] += piece
        end = start + len(piece) / SAMPLE_RATE
        events.append(Event(start, end, n))
        free_from = end + 2.5
    return main, other, sorted(events, key=lambda e: e.start_s)


def _rms(a: Audio) -> float:
    return float(np.sqrt(np.mean(a.astype(np.float64) ** 2))) if a.size else 0.0


def room(audio: Audio, rir: Audio) -> Audio:
    rir = rir / max(float(np.abs(rir).max()), 1e-9)
    wet = fftconvolve(audio, rir)[: len(audio)].astype(np.float32)
    return wet * (_rms(audio) / max(_rms(wet), 1e-9))


def add_noise(audio: Audio, noise: Audio, snr_db: float, ref: Audio) -> Audio:
    n = np.tile(noise, int(np.ceil(len(audio) / len(noise))))[: len(audio)]
    speech = ref[np.abs(ref) > 1e-4]
    n = n * (_rms(speech) / max(_rms(n), 1e-12) / 10 ** (snr_db / 20))
    return (audio + n).astype(np.float32)


def condition(name: str, sharer: Speaker, listener: Speaker, seed: int, rirs: list[Audio],
              noises: list[Audio]) -> Track:
    """One simulated couple in one condition: clean, room (+ noise) or levels (room, 6 dB apart)."""
    main, other, events = build(sharer, listener, seed)
    enrol = {sharer.name: sharer.enrol, listener.name: listener.enrol}
    gains = {sharer.name: 1.0, listener.name: 1.0}
    if name == "levels":  # one person further from the laptop: the listener or the sharer
        gains[listener.name if seed % 2 else sharer.name] = 10 ** (-6 / 20)
    if name == "clean":
        mix = main + other
    else:
        r1, r2 = rirs[seed % len(rirs)], rirs[(seed + 1) % len(rirs)]
        noise = noises[seed % len(noises)]
        main_w, other_w = room(main, r1) * gains[sharer.name], room(other, r2) * gains[listener.name]
        mix = add_noise(main_w + other_w, noise, 15.0, main_w)
        enrol = {sharer.name: add_noise(room(sharer.enrol, r1) * gains[sharer.name], noise, 15.0,
                                        room(sharer.enrol, r1) * gains[sharer.name]),
                 listener.name: add_noise(room(listener.enrol, r2) * gains[listener.name], noise, 15.0,
                                          room(listener.enrol, r2) * gains[listener.name])}
    peak = float(np.abs(mix).max())
    if peak > 0.99:
        mix = mix / peak * 0.9
    return Track(sharer.name, listener.name, mix.astype(np.float32), events, enrol)

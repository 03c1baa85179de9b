"""Benchmark speaker attribution on real recordings (../shared/data/speech) and print the figures.

    .venv/bin/python scripts/bench_voices.py [--data ../shared/data] [--quick]

1. Real two-person conversations: pyannote-sample, ami-debug dev00 and dev01 (the same two men),
   trn03 (the one two-speaker trn file). Each person is enrolled from 6-8 s of their own clean
   speech (RTTM turns without overlap) taken first from the OTHER files where they speak, topped
   up from the end of the scored file when that is not enough; the enrolment stretches are then
   left out of scoring. Scored utterances are the clean RTTM pieces of the two people (pieces over
   8 s are cut into equal parts of at most 8 s, as the segmenter would end them on pauses).
2. The same audio (enrolment and scored) through each speechbrain room impulse response, with
   real speechbrain noise added at 15 dB SNR.
3. All 45 pairs of the 10 LibriSpeech test-other speakers: each enrolled from their first
   utterances (6-8 s), every other utterance of both scored.
4. Embedding time per second of audio on one thread, and memory.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from facilitator.adapters.vad import SileroVad
from facilitator.adapters.voiceprint import GE2EEncoder
from facilitator.audio import SAMPLE_RATE, Audio, load_audio
from facilitator.config import ListeningConfig, SpeakersConfig
from facilitator.listening import utterances_from_audio
from facilitator.speakers import VoiceMatcher, Voiceprint, embed_windows

ENROL_MIN_S = 6.0
ENROL_MAX_S = 8.0
MAX_PIECE_S = 8.0
MIN_SCORED_S = 1.5


class CachedEncoder:
    """The real encoder with a memo: the same audio is scored in several pairs."""

    def __init__(self, encoder: GE2EEncoder) -> None:
        self.encoder = encoder
        self.memo: dict[bytes, np.ndarray] = {}

    def embed(self, audio: Audio) -> np.ndarray:
        key = hashlib.sha1(np.ascontiguousarray(audio).tobytes()).digest()
        if key not in self.memo:
            self.memo[key] = self.encoder.embed(audio)
        return self.memo[key]


@dataclass(frozen=True)
class Piece:
    file: str
    speaker: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def read_rttm(path: Path) -> dict[str, list[tuple[str, float, float]]]:
    turns: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns[parts[1]].append((parts[7], start, start + dur))
    return turns


def clean_pieces(file: str, turns: list[tuple[str, float, float]]) -> list[Piece]:
    """Each turn minus the stretches where anybody else speaks too."""
    pieces = []
    for speaker, start, end in turns:
        cuts = sorted((max(s, start), min(e, end)) for sp, s, e in turns
                      if sp != speaker and s < end and e > start)
        cursor = start
        for s, e in cuts + [(end, end)]:
            if s > cursor:
                pieces.append(Piece(file, speaker, cursor, s))
            cursor = max(cursor, e)
    return pieces


def subtract(piece: Piece, cuts: list[Piece]) -> list[Piece]:
    """The parts of ``piece`` outside every cut (enrolment stretches are never scored)."""
    parts = [piece]
    for c in cuts:
        nxt = []
        for p in parts:
            if c.end_s <= p.start_s or c.start_s >= p.end_s:
                nxt.append(p)
                continue
            if c.start_s > p.start_s:
                nxt.append(Piece(p.file, p.speaker, p.start_s, c.start_s))
            if c.end_s < p.end_s:
                nxt.append(Piece(p.file, p.speaker, c.end_s, p.end_s))
        parts = nxt
    return parts


def split_long(piece: Piece) -> list[Piece]:
    n = int(np.ceil(piece.duration_s / MAX_PIECE_S))
    edges = np.linspace(piece.start_s, piece.end_s, n + 1)
    return [Piece(piece.file, piece.speaker, a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def choose_enrolment(speaker: str, scored_file: str, pieces: list[Piece]) -> list[Piece]:
    mine = [p for p in pieces if p.speaker == speaker and p.duration_s >= 0.5]
    others = sorted((p for p in mine if p.file != scored_file), key=lambda p: -p.duration_s)
    here = sorted((p for p in mine if p.file == scored_file), key=lambda p: -p.start_s)
    chosen: list[Piece] = []
    total = 0.0
    for group, goal in ((others, ENROL_MAX_S), (here, ENROL_MIN_S)):
        for p in group:
            if total >= goal:
                break
            take = min(p.duration_s, ENROL_MAX_S - total)
            chosen.append(Piece(p.file, p.speaker, p.start_s, p.start_s + take))
            total += take
    return chosen


class Tally:
    def __init__(self) -> None:
        self.correct = self.wrong = self.unsure = 0
        self.wrong_items: list[str] = []

    def add(self, truth: str, said: str | None, label: str) -> None:
        if said is None:
            self.unsure += 1
        elif said == truth:
            self.correct += 1
        else:
            self.wrong += 1
            self.wrong_items.append(label)

    @property
    def n(self) -> int:
        return self.correct + self.wrong + self.unsure

    def row(self, name: str) -> str:
        n = max(self.n, 1)
        return (f"| {name} | {self.n} | {100 * self.correct / n:.1f} % | {100 * self.wrong / n:.1f} % | "
                f"{100 * self.unsure / n:.1f} % |")


def degrade(audio: Audio, rir: Audio, noise: Audio, snr_db: float) -> Audio:
    rir = rir / max(float(np.abs(rir).max()), 1e-9)
    wet = fftconvolve(audio, rir)[: len(audio)]
    wet *= np.sqrt(np.mean(audio**2)) / max(float(np.sqrt(np.mean(wet**2))), 1e-9)
    reps = int(np.ceil(len(wet) / len(noise)))
    n = np.tile(noise, reps)[: len(wet)]
    n *= np.sqrt(np.mean(wet**2) / max(float(np.mean(n**2)), 1e-12)) / (10 ** (snr_db / 20))
    out = wet + n
    peak = float(np.abs(out).max())
    return (out / peak * 0.9 if peak > 0.99 else out).astype(np.float32)


def conversations(speech: Path) -> tuple[dict[str, Audio], list[Piece], list[tuple[str, tuple[str, str]]]]:
    audio: dict[str, Audio] = {}
    pieces: list[Piece] = []
    rttms = {"sample": speech / "pyannote-sample" / "sample.rttm"}
    for name, turns in read_rttm(speech / "pyannote-sample" / "sample.rttm").items():
        audio[name] = load_audio(speech / "pyannote-sample" / "sample.wav")
        pieces += clean_pieces(name, turns)
    for rttm in ("debug.development.rttm", "debug.train.rttm"):
        for name, turns in read_rttm(speech / "ami-debug" / rttm).items():
            audio[name] = load_audio(speech / "ami-debug" / f"{name}.wav")
            pieces += clean_pieces(name, turns)
    del rttms
    scored = [("sample", ("speaker90", "speaker91")), ("dev00", ("MEE009", "MEE012")),
              ("dev01", ("MEE009", "MEE012")), ("trn03", ("MÉO069", "MEE067"))]
    return audio, pieces, scored


def run_conversations(matcher: VoiceMatcher, embedder: CachedEncoder, audio: dict[str, Audio],
                      pieces: list[Piece], scored: list[tuple[str, tuple[str, str]]],
                      window_s: float, enrolled: dict[str, tuple[Voiceprint, Voiceprint]] | None = None,
                      truth: dict[str, list[Piece]] | None = None) -> tuple[Tally, Tally, Tally, list[str]]:
    utt, win, short = Tally(), Tally(), Tally()
    notes = []
    for file, pair in scored:
        prints = []
        used: list[Piece] = []
        for speaker in pair:
            chosen = choose_enrolment(speaker, file, pieces)
            used += chosen
            clip = np.concatenate([audio[p.file][int(p.start_s * SAMPLE_RATE):int(p.end_s * SAMPLE_RATE)]
                                   for p in chosen])
            windows = embed_windows(embedder, clip, window_s)
            prints.append(Voiceprint(speaker, windows, len(clip) / SAMPLE_RATE))
            notes.append(f"{file}: {speaker} enrolled from {len(clip) / SAMPLE_RATE:.1f} s "
                         f"({', '.join(sorted({p.file for p in chosen}))})")
        matcher.use_voiceprints(prints[0], prints[1])
        if enrolled is not None:
            enrolled[file] = (prints[0], prints[1])
        assert matcher.pair is not None
        notes.append(f"{file}: calibrated threshold {matcher.pair.threshold:.3f}")
        left = [q for p in pieces if p.file == file and p.speaker in pair
                for q in subtract(p, [u for u in used if u.file == file])]
        if truth is not None:
            truth[file] = left
        for p in left:
            for q in split_long(p):
                a, b = int(q.start_s * SAMPLE_RATE), int(q.end_s * SAMPLE_RATE)
                whole, windows = matcher.attribute(audio[file][a:b], q.start_s)
                label = f"{file} {q.start_s:.2f}-{q.end_s:.2f} {q.speaker} margin {whole.margin:+.3f}"
                if q.duration_s >= MIN_SCORED_S:
                    utt.add(q.speaker, whole.speaker, label)
                    for w in windows:
                        win.add(q.speaker, w.speaker, label)
                elif q.duration_s >= matcher.config.min_attribution_s:
                    short.add(q.speaker, whole.speaker, label)
    return utt, win, short, notes


class TimeTally:
    """Seconds of clean speech (one known person, outside enrolment) by what identify said."""

    def __init__(self) -> None:
        self.seconds = {"correct": 0.0, "wrong": 0.0, "unsure": 0.0, "missed": 0.0}

    def row(self, name: str) -> str:
        total = max(sum(self.seconds.values()), 1e-9)
        cells = " | ".join(f"{100 * self.seconds[k] / total:.1f} %" for k in ("correct", "wrong", "unsure"))
        missed = 100 * self.seconds["missed"] / total
        return f"| {name} | {total:.0f} s | {cells} | (missed by the VAD {missed:.1f} %) |"


def run_identify(matcher: VoiceMatcher, detector: SileroVad, prints: dict[str, tuple[Voiceprint, Voiceprint]],
                 audio: dict[str, Audio], truth: dict[str, list[Piece]], tally: TimeTally) -> None:
    """What ``facilitator identify`` does (VAD utterances, cut at speaker changes), scored per 10 ms."""
    step = 0.01
    for file, (first, second) in prints.items():
        matcher.use_voiceprints(first, second)
        n = int(len(audio[file]) / SAMPLE_RATE / step) + 1
        said: list[str | None] = ["-"] * n
        for utt in utterances_from_audio(audio[file], detector, ListeningConfig()):
            for whole, _ in matcher.turns(utt.audio, utt.start_s):
                for i in range(int(whole.start_s / step), min(n, int(whole.end_s / step))):
                    said[i] = whole.speaker
        for piece in truth[file]:
            for i in range(int(piece.start_s / step), min(n, int(piece.end_s / step))):
                key = ("missed" if said[i] == "-" else "unsure" if said[i] is None
                       else "correct" if said[i] == piece.speaker else "wrong")
                tally.seconds[key] += step


def libri_speakers(folder: Path) -> dict[str, list[tuple[str, Audio]]]:
    return {d.name: [(f.name, load_audio(f)) for f in sorted(d.glob("*.flac"))]
            for d in sorted(folder.iterdir()) if d.is_dir()}


def speechbrain_speakers(folder: Path) -> dict[str, list[tuple[str, Audio]]]:
    out: dict[str, list[tuple[str, Audio]]] = defaultdict(list)
    for f in sorted(folder.glob("*.wav")):
        out[f.name.split("_")[0]].append((f.name, load_audio(f)))
    return dict(out)


def run_pairs(matcher: VoiceMatcher, embedder: CachedEncoder, clips: dict[str, list[tuple[str, Audio]]],
              window_s: float) -> Tally:
    """Every pair of speakers: each enrolled from their first clips (6-8 s), the rest scored."""
    prints: dict[str, Voiceprint] = {}
    tests: dict[str, list[tuple[str, Audio]]] = {}
    for spk, items in clips.items():
        taken, total, rest = [], 0.0, []
        for name, a in items:
            if total < ENROL_MIN_S:
                take = a[: int((ENROL_MAX_S - total) * SAMPLE_RATE)]
                taken.append(take)
                total += len(take) / SAMPLE_RATE
            else:
                rest.append((name, a))
        prints[spk] = Voiceprint(spk, embed_windows(embedder, np.concatenate(taken), window_s), total)
        tests[spk] = rest
    tally = Tally()
    for a, b in combinations(sorted(clips), 2):
        matcher.use_voiceprints(prints[a], prints[b])
        for spk in (a, b):
            for name, clip in tests[spk]:
                whole, _ = matcher.attribute(clip, 0.0)
                tally.add(spk, whole.speaker, f"{a}/{b} {name} margin {whole.margin:+.3f}")
    return tally


def degraded(clips: dict[str, list[tuple[str, Audio]]], rir: Audio, noises: list[Audio],
             snr_db: float) -> dict[str, list[tuple[str, Audio]]]:
    """Every clip through one room (enrolment and scoring happen in the same room), real noise added."""
    out: dict[str, list[tuple[str, Audio]]] = {}
    k = 0
    for spk, items in clips.items():
        out[spk] = []
        for name, a in items:
            out[spk].append((name, degrade(a, rir, noises[k % len(noises)], snr_db)))
            k += 1
    return out


def per_room(matcher: VoiceMatcher, embedder: CachedEncoder, clips: dict[str, list[tuple[str, Audio]]],
             rirs: list[Audio], noises: list[Audio], window_s: float) -> tuple[Tally, list[str]]:
    total = Tally()
    notes = []
    for i, rir in enumerate(rirs):
        t = run_pairs(matcher, embedder, degraded(clips, rir, noises, 15.0), window_s)
        notes.append(f"room {i + 1}: " + t.row("").strip("| "))
        total.correct += t.correct
        total.wrong += t.wrong
        total.unsure += t.unsure
        total.wrong_items += [f"room {i + 1}: {w}" for w in t.wrong_items]
    return total, notes


def current_rss_mb() -> float:
    import gc

    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="one room impulse response only")
    parser.add_argument("--show-wrong", action="store_true")
    args = parser.parse_args()
    speech = args.data / "speech"
    config = SpeakersConfig()

    rss0 = current_rss_mb()
    t0 = time.perf_counter()
    encoder = GE2EEncoder()
    load_s = time.perf_counter() - t0
    rss1 = current_rss_mb()
    embedder = CachedEncoder(encoder)
    matcher = VoiceMatcher(embedder, store=None, detector=None, config=config)  # type: ignore[arg-type]

    audio, pieces, scored = conversations(speech)
    rows = []
    enrolled: dict[str, tuple[Voiceprint, Voiceprint]] = {}
    truth: dict[str, list[Piece]] = {}
    utt, win, short, notes = run_conversations(matcher, embedder, audio, pieces, scored, config.window_s,
                                               enrolled, truth)
    detector = SileroVad()
    clean_time = TimeTally()
    run_identify(matcher, detector, enrolled, audio, truth, clean_time)
    rows += [utt.row("conversations, utterances >= 1.5 s"), win.row("conversations, ~1.5 s windows"),
             short.row("conversations, utterances 1.0-1.5 s")]
    wrong = list(utt.wrong_items)

    rirs = sorted((speech / "speechbrain" / "RIRs").glob("*.wav"))[: 1 if args.quick else None]
    noises = sorted((speech / "speechbrain" / "noise").glob("*.wav"))
    n_utt, n_win = Tally(), Tally()
    noisy_time = TimeTally()
    for i, rir_path in enumerate(rirs):
        rir = load_audio(rir_path)
        noisy = {}
        for j, (name, clip) in enumerate(sorted(audio.items())):
            noise = load_audio(noises[(i + j) % len(noises)])
            noisy[name] = degrade(clip, rir, noise, 15.0)
        enrolled = {}
        u, w, _, _ = run_conversations(matcher, embedder, noisy, pieces, scored, config.window_s, enrolled)
        run_identify(matcher, detector, enrolled, noisy, truth, noisy_time)
        for src, dst in ((u, n_utt), (w, n_win)):
            dst.correct += src.correct
            dst.wrong += src.wrong
            dst.unsure += src.unsure
        wrong += [f"{rir_path.name}: {x}" for x in u.wrong_items]
    rows += [n_utt.row(f"same, room impulse + noise at 15 dB ({len(rirs)} rooms), utterances >= 1.5 s"),
             n_win.row("same, room + noise, ~1.5 s windows")]

    libri_clips = libri_speakers(speech / "librispeech-test-other-10spk")
    libri = run_pairs(matcher, embedder, libri_clips, config.window_s)
    rows.append(libri.row("LibriSpeech test-other, 45 pairs, utterances"))
    wrong += libri.wrong_items
    rir_audio = [load_audio(p) for p in rirs]
    noise_audio = [load_audio(p) for p in noises]
    libri_noisy, room_notes = per_room(matcher, embedder, libri_clips, rir_audio, noise_audio,
                                       config.window_s)
    rows.append(libri_noisy.row(f"same, through {len(rirs)} rooms + noise at 15 dB"))
    notes += [f"LibriSpeech {n}" for n in room_notes]
    wrong += libri_noisy.wrong_items
    sb_clips = speechbrain_speakers(speech / "speechbrain" / "ASR")
    sb = run_pairs(matcher, embedder, sb_clips, config.window_s)
    sb_noisy, _ = per_room(matcher, embedder, sb_clips, rir_audio, noise_audio, config.window_s)
    rows += [sb.row("speechbrain ASR, 2 speakers, sentences"),
             sb_noisy.row("same, rooms + noise at 15 dB")]

    clip = audio["dev00"][: 10 * SAMPLE_RATE]
    encoder.embed(clip)
    t0 = time.perf_counter()
    for _ in range(5):
        encoder.embed(clip)
    per_s = (time.perf_counter() - t0) / 5 / 10
    window = clip[: int(1.5 * SAMPLE_RATE)]
    t0 = time.perf_counter()
    for _ in range(20):
        encoder.embed(window)
    per_window = (time.perf_counter() - t0) / 20

    print("| set | n | correct | wrong | unsure |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(r)
    print()
    print("identify end to end (VAD utterances cut at speaker changes), share of clean speech time:")
    print("| set | speech | correct | wrong | unsure | |")
    print("|---|---|---|---|---|---|")
    print(clean_time.row("conversations"))
    print(noisy_time.row(f"same, {len(rirs)} rooms + noise at 15 dB"))
    print()
    print(f"embedding: {1000 * per_s:.1f} ms per second of audio (10 s utterance), "
          f"{1000 * per_window:.1f} ms per 1.5 s window, one BLAS thread")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"encoder load {load_s * 1000:.0f} ms; resident memory added by the loaded encoder "
          f"{rss1 - rss0:.0f} MB; peak of this whole benchmark process {peak:.0f} MB")
    for n in notes:
        print("  " + n)
    if args.show_wrong:
        for w in wrong:
            print("  wrong: " + w)


if __name__ == "__main__":
    main()

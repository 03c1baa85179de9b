"""Benchmark the one-speaker-at-a-time decision on overlapping speech and print the figures.

    flock /tmp/facilitator-heavy.lock .venv/bin/python scripts/bench_overlap.py [--split test|dev]

The decision is the session's own: ``turns.Floor`` with ``overlap.turn_rules`` (the [session]
defaults), fed each utterance as the session hears it (Silero VAD + segmenter cuts, the voice
matcher's whole and window attributions, Whisper's words when the words decide).

1. Simulated couples (scripts/overlap_couples.py): LibriSpeech pairs, the sharer holds the floor,
   the listener talks over (0.3-4 s) and says one or two words; clean, room + noise (15 dB), and
   levels 6 dB apart in the room. ``--split dev`` is the five speakers the decision may be tuned
   on, ``--split test`` (default) the five others, never tuned on.
2. Real conversations (pyannote sample, AMI dev00, dev01, trn03), clean and room + noise: each
   RTTM turn of 1.5 s or more that starts while the other is silent is an utterance held by its
   speaker (the recordings have no designated sharer). The other's speech inside it is a
   talk-over when it overlaps 1.2 s or more (3 words at 2.5 words a second), a continuer under
   0.7 s, and not scored in between (the RTTMs have no words).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_voices import CachedEncoder, choose_enrolment, conversations, read_rttm  # noqa: E402
from overlap_couples import Track, add_noise, condition, librispeech, room  # noqa: E402

from facilitator.adapters.vad import SileroVad  # noqa: E402
from facilitator.adapters.voiceprint import GE2EEncoder  # noqa: E402
from facilitator.adapters.whisper import WhisperTranscriber  # noqa: E402
from facilitator.audio import SAMPLE_RATE, Audio, load_audio  # noqa: E402
from facilitator.config import load_config  # noqa: E402
from facilitator.events import Heard  # noqa: E402
from facilitator.listening import utterances_from_audio  # noqa: E402
from facilitator.overlap import turn_rules  # noqa: E402
from facilitator.speakers import VoiceMatcher, Voiceprint, embed_windows  # noqa: E402
from facilitator.turns import Floor, Overlap  # noqa: E402

CONDITIONS = ("clean", "room", "levels")
HOLDER_WORDS = "(the floor holder's words)"
"""Text given to an utterance the decision does not read words of (it is not the other's alone)."""


@dataclass
class Score:
    minutes: float = 0.0
    decisions: int = 0
    reminders: int = 0
    false: int = 0
    unsure: int = 0
    long_hit: int = 0
    long_n: int = 0
    mid_hit: int = 0
    mid_n: int = 0
    short_hit: int = 0
    short_n: int = 0
    misses: list[str] = field(default_factory=list)
    falses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for k, v in vars(other).items():
            setattr(self, k, getattr(self, k) + v)

    def row(self, name: str) -> str:
        pct = lambda a, b: f"{100 * a / b:.0f} % ({a}/{b})" if b else "-"  # noqa: E731
        prec = pct(self.reminders - self.false, self.reminders)
        per_min = self.false / max(self.minutes, 1e-9)
        return (f"| {name} | {self.minutes:.1f} | {self.decisions} | {per_min:.2f} | "
                f"{pct(self.false, self.decisions)} | {prec} | {pct(self.long_hit, self.long_n)} | "
                f"{pct(self.mid_hit, self.mid_n)} | {pct(self.short_hit, self.short_n)} | "
                f"{pct(self.unsure, self.decisions)} |")


HEADER = ("| set | minutes | decisions | false reminders / min | false share | precision | "
          "recall >= 2 s | recall 1-2 s | recall 0.7-1 s | unsure |\n" + "|---" * 10 + "|")


class Engines:
    def __init__(self) -> None:
        self.config = load_config()
        self.embedder = CachedEncoder(GE2EEncoder())
        self.vad = SileroVad()
        self.matcher = VoiceMatcher(self.embedder, _NoStore(), self.vad, self.config.speakers)  # type: ignore[arg-type]
        self.whisper = WhisperTranscriber(cpu_threads=1)
        self.rules = turn_rules(self.config.session)

    def voiceprint(self, name: str, audio: Audio) -> Voiceprint:
        return Voiceprint(name, embed_windows(self.embedder, audio, self.config.speakers.window_s),
                          len(audio) / SAMPLE_RATE)

    def heard(self, audio: Audio, start_s: float, end_s: float, other: str) -> Heard:
        """What the session's listener makes of the utterance (words only where they decide)."""
        whole, windows = self.matcher.attribute(audio, start_s)
        text = self.whisper.transcribe(audio).text.strip() if whole.speaker == other else HOLDER_WORDS
        return Heard(start_s, end_s, text, whole.speaker, whole.margin, windows, audio)


class _NoStore:
    def load(self, name: str) -> None:
        return None

    def save(self, voiceprint: Voiceprint) -> None:
        raise NotImplementedError


def score_track(eng: Engines, track: Track, label: str) -> Score:
    s = Score(minutes=len(track.audio) / SAMPLE_RATE / 60)
    eng.matcher.use_voiceprints(eng.voiceprint(track.sharer, track.enrol[track.sharer]),
                                eng.voiceprint(track.listener, track.enrol[track.listener]))
    floor = Floor(track.sharer, track.listener, eng.rules)
    decided: list[tuple[float, float, Overlap]] = []
    for utt in utterances_from_audio(track.audio, eng.vad, eng.config.listening):
        heard = eng.heard(utt.audio, utt.start_s, utt.end_s, track.listener)
        if not heard.text:
            continue  # the session never hears an utterance without words
        overlap = floor.decide(heard).overlap
        decided.append((utt.start_s, utt.end_s, overlap))
        inside = [e for e in track.events if _within(e.start_s, e.end_s, utt.start_s, utt.end_s)]
        s.decisions += 1
        s.unsure += overlap is Overlap.UNSURE
        if overlap is Overlap.INTERRUPTION:
            s.reminders += 1
            if not any(e.talkover for e in inside):
                s.false += 1
                s.falses.append(f"{label} {utt.start_s:.1f}-{utt.end_s:.1f} "
                                f"{[(round(e.duration_s, 1), e.words) for e in inside]}")
    for e in track.events:
        hit = any(o is Overlap.INTERRUPTION and _within(e.start_s, e.end_s, a, b) for a, b, o in decided)
        if e.talkover:
            _bin(s, e.duration_s, hit, f"{label} {e.start_s:.1f} {e.duration_s:.1f} s {e.words} words")
    return s


def _within(a: float, b: float, start: float, end: float) -> bool:
    """Most of [a, b] lies in [start, end]."""
    return min(b, end) - max(a, start) >= 0.5 * (b - a)


def _bin(s: Score, duration: float, hit: bool, label: str) -> None:
    if duration >= 2.0:
        s.long_n += 1
        s.long_hit += hit
        if not hit:
            s.misses.append(label)
    elif duration >= 1.0:
        s.mid_n += 1
        s.mid_hit += hit
    else:
        s.short_n += 1
        s.short_hit += hit


def couples(eng: Engines, data: Path, split: str, only: str | None, both_ways: bool) -> dict[str, Score]:
    speech = data / "speech"
    cache = Path(tempfile.gettempdir()) / "facilitator-bench-overlap-words.json"
    people = librispeech(speech / "librispeech-test-other-10spk", cache)
    names = sorted(people)
    group = names[:5] if split == "dev" else names[5:]
    rirs = [load_audio(p) for p in sorted((speech / "speechbrain" / "RIRs").glob("*.wav"))]
    noises = [load_audio(p) for p in sorted((speech / "speechbrain" / "noise").glob("*.wav"))]
    out = {}
    for cond in CONDITIONS:
        if only and cond != only:
            continue
        total = Score()
        seed = 0 if split == "test" else 1000
        for a, b in combinations(group, 2):
            for sharer, listener in ((a, b), (b, a))[: 2 if both_ways else 1]:
                seed += 1
                track = condition(cond, people[sharer], people[listener], seed, rirs, noises)
                total.add(score_track(eng, track, f"{cond} {sharer}>{listener} seed {seed}"))
        out[cond] = total
    return out


def real(eng: Engines, data: Path, conds: tuple[str, ...]) -> dict[str, Score]:
    speech = data / "speech"
    audio, pieces, scored = conversations(speech)
    rir = load_audio(sorted((speech / "speechbrain" / "RIRs").glob("*.wav"))[0])
    noise = load_audio(sorted((speech / "speechbrain" / "noise").glob("*.wav"))[0])
    turns = {**read_rttm(speech / "pyannote-sample" / "sample.rttm"),
             **read_rttm(speech / "ami-debug" / "debug.development.rttm"),
             **read_rttm(speech / "ami-debug" / "debug.train.rttm")}
    out = {}
    for cond in conds:
        degrade: Callable[[Audio], Audio] = (lambda a: a) if cond == "clean" else (
            lambda a: add_noise(room(a, rir), noise, 15.0, room(a, rir)))
        total = Score()
        for file, pair in scored:
            mix = degrade(audio[file])
            used = []
            prints = []
            for spk in pair:
                chosen = choose_enrolment(spk, file, pieces)
                used += [p for p in chosen if p.file == file]
                clip = np.concatenate([degrade(audio[p.file])[int(p.start_s * SAMPLE_RATE):
                                                              int(p.end_s * SAMPLE_RATE)] for p in chosen])
                prints.append(eng.voiceprint(spk, clip))
            eng.matcher.use_voiceprints(prints[0], prints[1])
            rows = [t for t in turns[file] if t[0] in pair]
            total.minutes += len(mix) / SAMPLE_RATE / 60
            for holder, start, end in rows:
                other = pair[1] if holder == pair[0] else pair[0]
                busy = any(sp == other and s <= start < e for sp, s, e in rows)
                if end - start < 1.5 or busy or any(u.start_s < end and u.end_s > start for u in used):
                    continue
                over = [min(e, end) - max(s, start) for sp, s, e in rows
                        if sp == other and s < end and e > start]
                longest = max(over, default=0.0)
                heard = eng.heard(mix[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)], start, end, other)
                overlap = Floor(holder, other, eng.rules).decide(heard).overlap
                total.decisions += 1
                total.unsure += overlap is Overlap.UNSURE
                label = f"{cond} {file} {holder} {start:.1f}-{end:.1f} other over {longest:.1f} s"
                if overlap is Overlap.INTERRUPTION:
                    total.reminders += 1
                    if longest < 0.7:
                        total.false += 1
                        total.falses.append(label)
                    elif longest < 1.2:
                        total.reminders -= 1  # not scored: the words are unknown
                if longest >= 1.2:
                    _bin(total, longest, overlap is Overlap.INTERRUPTION, label)
        out[cond] = total
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--only", choices=CONDITIONS, default=None, help="One condition of the couples.")
    parser.add_argument("--no-real", action="store_true", help="Skip the real conversations.")
    parser.add_argument("--one-way", action="store_true",
                        help="Each pair once (the first shares), half the time; default: both ways.")
    parser.add_argument("--details", action="store_true", help="List false reminders and missed talk-overs.")
    args = parser.parse_args()
    if not (args.data / "speech").is_dir():
        sys.exit(f"No speech data in {args.data}; give --data ../shared/data.")
    eng = Engines()
    sim = couples(eng, args.data, args.split, args.only, not args.one_way)
    results = {f"couples ({args.split}), {k}": v for k, v in sim.items()}
    if not args.no_real:
        results.update({f"conversations, {k}": v for k, v in real(eng, args.data, ("clean", "room")).items()})
    print(HEADER)
    for name, s in results.items():
        print(s.row(name))
    if args.details:
        for s in results.values():
            for line in s.falses:
                print("false:", line)
            for line in s.misses:
                print("missed:", line)
    print("load average:", Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()

"""End of turn on real conversation: premature ends and delay, model beside the fixed silence rule (issue 11).

    .venv/bin/python scripts/bench_turns.py [--data ../shared/data/speech]

On the AMI excerpts (ami-debug, debug.*.rttm) and the pyannote sample (sample.rttm), the session's
listening loop (Silero VAD, the segmenter, Whisper, and the end-of-turn policy) hears each file as
a stream; each utterance it passes on has decided_s, the stream time the listener decided it
ended. Scored against the RTTM (who speaks when), all in stream time:

- premature end: a decided end after which the same speaker goes on within 2 s (still speaking at
  decided_s, or starting again by decided_s + 2 s), nobody else starting to speak in between;
- true turn end: the end of an RTTM segment after which that speaker is silent for at least 2 s;
  its delay is the time to the first decided end between 0.5 s before it and 5 s after it (none
  within: not decided, e.g. another speaker was talking over the gap).

Two kinds of decided end are shown for each rule: every utterance end (what a question's answer
waits for), and turn ends (what a reflection, acknowledgement or reassurance waits for: an
utterance end followed by no new utterance within [session] reflection_pause_s, or within
turn_confirm_s after one the model marked turn_ended, decided that much later, as
Session._hear_turn does).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "speech"
GOES_ON_S = 2.0


def read_rttm(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    found: dict[str, list[tuple[float, float, str]]] = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            start, length = float(f[3]), float(f[4])
            found.setdefault(f[1], []).append((start, start + length, f[7]))
    return found


def speaker_at(segs: list[tuple[float, float, str]], t: float) -> str | None:
    """Who was speaking last at or just before t (the one whose segment ended nearest)."""
    best: tuple[float, str] | None = None
    for a, b, who in segs:
        if a <= t + 0.3:
            gap = max(0.0, t - b)
            if gap <= 1.0 and (best is None or gap < best[0]):
                best = (gap, who)
    return None if best is None else best[1]


def premature(segs: list[tuple[float, float, str]], speech_end: float, decided: float) -> bool:
    who = speaker_at(segs, speech_end)
    if who is None:
        return False
    again = [a for a, b, w in segs if w == who and b > decided and a <= decided + GOES_ON_S]
    if not again:
        return False
    resume = max(min(again), decided)
    others = [a for a, b, w in segs if w != who and speech_end < a < resume]
    return not others


def true_turn_ends(segs: list[tuple[float, float, str]], length_s: float) -> list[float]:
    ends = []
    for a, b, who in segs:
        later = [x for x, y, w in segs if w == who and x > b - 0.01 and (x, y) != (a, b)]
        still = [1 for x, y, w in segs if w == who and x < b < y and (x, y) != (a, b)]
        if still:
            continue
        if (not later or min(later) - b >= GOES_ON_S) and b < length_s - 0.5:
            ends.append(b)
    return sorted(set(ends))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--config", type=Path, default=None, help="a TOML settings file")
    args = parser.parse_args()

    from facilitator.adapters.smart_turn import SmartTurn
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.audio import load_audio
    from facilitator.config import load_config
    from facilitator.listening import StreamListener
    from facilitator.sources import AudioFileSource

    config = load_config(args.config)
    settings = dataclasses.replace(config.listening, early_transcription=False)  # stream time only
    pause_s, confirm_s = config.session.reflection_pause_s, config.session.turn_confirm_s
    post_roll = min(settings.post_roll_s, settings.stop_s)
    vad, whisper, model = SileroVad(), WhisperTranscriber(), SmartTurn()
    files: list[tuple[Path, list[tuple[float, float, str]]]] = []
    for rttm in sorted((args.data / "ami-debug").glob("debug.*.rttm")):
        for name, segs in read_rttm(rttm).items():
            files.append((args.data / "ami-debug" / f"{name}.wav", segs))
    for _name, segs in read_rttm(args.data / "pyannote-sample" / "sample.rttm").items():
        files.append((args.data / "pyannote-sample" / "sample.wav", segs))

    rows: dict[str, dict[str, list[float]]] = {}
    calls: list[float] = []

    class Timed:
        def complete_prob(self, audio):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            prob = model.complete_prob(audio)
            calls.append(time.perf_counter() - start)
            return prob

    for rule in ("silence", "model"):
        ends: dict[str, list[tuple[float, float]]] = {"utterance": [], "turn": []}
        per: dict[str, list[float]] = {"utterance_premature": [], "turn_premature": [],
                                       "utterance_delay": [], "turn_delay": [], "true_ends": [],
                                       "utterance_missed": [], "turn_missed": []}
        for path, segs in files:
            audio = load_audio(path)
            length_s = audio.size / 16000
            turns = Timed() if rule == "model" else None
            listener = StreamListener(AudioFileSource(audio, silence_after_s=6.0), vad, whisper,
                                      dataclasses.replace(settings, end_of_turn=rule), turns=turns)
            heard = []
            while not listener.ended:
                h = listener.hear(timeout_s=600.0)
                if h is not None:
                    heard.append(h)
            utt = [(h.end_s - post_roll, h.decided_s) for h in heard]
            turn = []
            for i, h in enumerate(heard):
                wait = confirm_s if rule == "model" and h.turn_ended else pause_s
                nxt = heard[i + 1].start_s if i + 1 < len(heard) else float("inf")
                if nxt > h.decided_s + wait:
                    turn.append((h.end_s - post_roll, h.decided_s + wait))
            ends["utterance"] += utt
            ends["turn"] += turn
            truth = true_turn_ends(segs, length_s)
            per["true_ends"].append(len(truth))
            for kind, decided in (("utterance", utt), ("turn", turn)):
                per[f"{kind}_premature"] += [float(premature(segs, e, d)) for e, d in decided]
                for end in truth:
                    after = [d - end for e, d in decided if e >= end - 0.5 and end <= d <= end + 5.0]
                    if after:
                        per[f"{kind}_delay"].append(min(after))
                    else:
                        per[f"{kind}_missed"].append(1.0)
        rows[rule] = per
    truths = int(sum(rows["model"]["true_ends"]))
    print(f"{len(files)} files, {truths} true turn ends (speaker silent 2 s after)")
    print(f"{'rule':8} {'decided end':10} {'ends':>5} {'premature':>10} {'decided':>8} "
          f"{'median delay':>13} {'p90 delay':>10}")
    for rule, per in rows.items():
        for kind in ("utterance", "turn"):
            prem = per[f"{kind}_premature"]
            delays = sorted(per[f"{kind}_delay"])
            found = len(delays)
            total = found + len(per[f"{kind}_missed"])
            med = statistics.median(delays) if delays else float("nan")
            p90 = delays[int(0.9 * (len(delays) - 1))] if delays else float("nan")
            print(f"{rule:8} {kind:10} {len(prem):5d} {sum(prem) / max(1, len(prem)):10.1%} "
                  f"{found:3d}/{total:<4d} {med:12.2f}s {p90:9.2f}s")
    if calls:
        print(f"end-of-turn model: {len(calls)} calls, median {statistics.median(calls) * 1000:.0f} ms "
              f"(max {max(calls) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()

"""Make the demo conversation's audio: one small 16 kHz mono wav per line of conversation.toml.

Each person's voice is the bundled Piper voice (the facilitator's own, en_US-joe-medium) made into
someone else: other length and noise scales, then the resample trick (the 22.05 kHz output is
read as if it had been recorded at 22.05 kHz x pitch, then resampled to 16 kHz), which moves pitch
and formants together, as a different vocal tract would. The lines are trimmed of silence and set
to each person's level. The wavs are committed; run this again only after changing the lines.

    .venv/bin/python scripts/make_demo_audio.py            # write the wavs
    .venv/bin/python scripts/make_demo_audio.py --check    # also: Whisper and voice-encoder checks

--check transcribes every line with the package's Whisper (word recall against the text) and
measures with the GE2E encoder how far apart the two voices and the facilitator's are: each
person's enrolment line against each of their other long lines (cosine), minus the other
person's score (the margin the attribution decides on).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facilitator.adapters.room import ActorVoice, Conversation, load_conversation  # noqa: E402
from facilitator.audio import SAMPLE_RATE, Audio, load_audio, resample, write_wav  # noqa: E402

EDGE_S = 0.06
"""Silence kept before and after each line (s); the room adds the gaps."""


def make_line(voice_audio: Audio, voice_rate: int, voice: ActorVoice) -> Audio:
    """Pitch-shift by resampling, trim the silent ends, set the level."""
    shifted = resample(voice_audio, int(round(voice_rate * voice.pitch)), SAMPLE_RATE)
    frame = 160
    frames = shifted[: len(shifted) // frame * frame].reshape(-1, frame)
    level = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(level > 0.02 * level.max())
    edge = int(EDGE_S * SAMPLE_RATE)
    start = max(0, loud[0] * frame - edge)
    end = min(len(shifted), (loud[-1] + 1) * frame + edge)
    trimmed = shifted[start:end]
    rms = float(np.sqrt(np.mean(trimmed**2)))
    out = trimmed * (10 ** (voice.gain_db / 20) / max(rms, 1e-9))
    fade = np.linspace(0.0, 1.0, edge // 2, dtype=np.float32)
    out[: fade.size] *= fade
    out[-fade.size :] *= fade[::-1]
    return np.clip(out, -0.99, 0.99).astype(np.float32)


def generate(conversation: Conversation, takes: int, only: set[str]) -> None:
    """Render each line; like a voice actor, keep the first of up to ``takes`` that Whisper gets whole.

    Piper's generator noise makes every rendering a little different, and tiny.en mishears some
    (a lowered "felt" heard as "thought"): the demo's reflection judge needs the words right.
    """
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.whisper import WhisperTranscriber

    whisper = WhisperTranscriber()
    total = 0
    for who, voice in conversation.voices.items():
        synth = load_voice(
            None,
            length_scale=voice.length_scale,
            noise_scale=voice.noise_scale,
            noise_w=voice.noise_w_scale,
            sentence_pause_s=0.15,
        )
        for line in conversation.lines:
            if line.who != who or (only and line.id not in only):
                continue
            best: tuple[float, Audio] = (-1.0, np.zeros(0, dtype=np.float32))
            for _ in range(takes):
                raw = np.concatenate(list(synth.synthesize(line.text)))
                audio = make_line(raw, synth.sample_rate, voice)
                score = recall(line.text, whisper.transcribe(audio).text)
                best = max(best, (score, audio), key=lambda pair: pair[0])
                if score == 1.0:
                    break
            score, audio = best
            path = conversation.folder / line.file
            write_wav(path, audio)
            total += path.stat().st_size
            print(f"{line.id:22s} {len(audio) / SAMPLE_RATE:5.2f} s  {path.name}  recall {score:.0%}")
    print(f"written {total / 1e6:.2f} MB")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def recall(text: str, heard: str) -> float:
    """Share of the line's words that Whisper heard."""
    want, got = _words(text), set(_words(heard))
    return sum(w in got for w in want) / len(want)


def check(conversation: Conversation) -> None:
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.voiceprint import GE2EEncoder
    from facilitator.adapters.whisper import WhisperTranscriber

    whisper = WhisperTranscriber()
    audio = {line.id: load_audio(conversation.folder / line.file) for line in conversation.lines}
    print("\nWhisper (tiny.en) on each line: word recall")
    recalls = []
    for line in conversation.lines:
        heard = whisper.transcribe(audio[line.id]).text
        recalls.append(recall(line.text, heard))
        print(f"  {line.id:22s} {recalls[-1]:4.0%}  {heard.strip()}")
    print(f"  mean word recall {np.mean(recalls):.1%}")

    encoder = GE2EEncoder()
    joe = load_voice(None)
    facilitator = resample(
        np.concatenate(list(joe.synthesize("Welcome. Let's take a slow breath together, and then begin."))),
        joe.sample_rate,
    )
    enrol = {who: next(line for line in conversation.lines if line.who == who) for who in conversation.voices}
    prints = {who: encoder.embed(audio[line.id]) for who, line in enrol.items()}
    prints["facilitator"] = encoder.embed(facilitator)
    names = list(prints)
    print("\nGE2E cosine between the enrolment voiceprints")
    for a in names:
        print("  " + a.ljust(12) + " ".join(f"{float(prints[a] @ prints[b]):6.3f}" for b in names))
    print("\nEach other line of 1.5 s or more: cosine to own voiceprint minus the other person's (margin)")
    margins = []
    people = list(conversation.voices)
    for line in conversation.lines:
        if line in enrol.values() or len(audio[line.id]) < 1.5 * SAMPLE_RATE:
            continue
        emb = encoder.embed(audio[line.id])
        other = next(p for p in people if p != line.who)
        margin = float(emb @ prints[line.who] - emb @ prints[other])
        margins.append(margin)
        print(f"  {line.id:22s} {margin:+.3f}")
    print(f"  smallest margin {min(margins):+.3f}, median {float(np.median(margins)):+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="also run the Whisper and voice checks")
    parser.add_argument("--check-only", action="store_true", help="check the committed wavs only")
    parser.add_argument("--takes", type=int, default=5, help="renderings tried per line (default 5)")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="remake only this line")
    args = parser.parse_args()
    conversation = load_conversation()
    if not args.check_only:
        generate(conversation, args.takes, set(args.only))
    if args.check or args.check_only:
        check(conversation)


if __name__ == "__main__":
    main()

"""Words kept by the listening loop, against plain faster-whisper on the whole file (issue 11).

    .venv/bin/python scripts/bench_words.py [--data ../shared/data/speech] [--config FILE] [--cache F]

For every speech recording under the data folder (AMI meeting excerpts, the pyannote sample,
faster-whisper's jfk and stereo files, LibriSpeech test-other, speechbrain's ASR sentences) the
reference is faster-whisper tiny.en run once over the whole file, no VAD and nothing dropped. The
listening loop (the session's: Silero VAD, the segmenter, Whisper per utterance, the no-speech and
phantom filters) then hears the same file; "words kept" is the share of the reference's words found
in the loop's text, in order (difflib matching blocks over normalised words). The five
speechbrain noise recordings (no speech) count phantom utterances: any text heard there is one.

The reference is cached (``--cache``), as it does not depend on the code under test.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "speech"
NEAR = ("librispeech-test-other-10spk", "speechbrain/ASR", "faster-whisper")
"""Folders where one speaker is near the microphone (the 95 % per-file target applies)."""


def speech_files(data: Path) -> list[Path]:
    files = sorted(data.glob("ami-debug/*.wav")) + sorted(data.glob("pyannote-sample/*.wav"))
    files += sorted(data.glob("faster-whisper/*.*"))
    files += sorted(data.glob("librispeech-test-other-10spk/*/*.flac"))
    files += sorted(data.glob("speechbrain/ASR/*.wav"))
    return [f for f in files if f.suffix in (".wav", ".flac")]


def words_of(text: str) -> list[str]:
    from facilitator.adapters.whisper import normalise

    return normalise(text).split()


def kept(reference: list[str], heard: list[str]) -> int:
    matcher = difflib.SequenceMatcher(a=reference, b=heard, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def reference_text(model: Any, audio: Any) -> str:
    """Plain faster-whisper: its default decoding (beam 5, temperature fallback), no VAD, nothing dropped."""
    segments, _ = model.transcribe(audio, language="en", vad_filter=False)
    return " ".join(str(s.text).strip() for s in segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--config", type=Path, default=None, help="a TOML settings file ([listening])")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/facilitator-bench-words-ref.json"))
    parser.add_argument("--only", default="", help="only files whose path contains this")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"No data folder at {args.data}; give --data.")

    from faster_whisper import WhisperModel

    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.audio import load_audio
    from facilitator.config import load_config
    from facilitator.listening import StreamListener
    from facilitator.sources import AudioFileSource

    settings = load_config(args.config).listening
    transcriber = WhisperTranscriber(max_no_speech_prob=settings.max_no_speech_prob)
    vad = SileroVad()
    try:
        from facilitator.adapters.smart_turn import load_turn_detector
    except ImportError:  # the code before issue 11, for the before-figures
        turns = None
    else:
        turns = load_turn_detector(settings.end_of_turn, print)
    print(f"end_of_turn = {getattr(settings, 'end_of_turn', 'silence')!r}, model loaded: {turns is not None}")
    cache: dict[str, str] = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    ref_model: Any = None

    def listen(audio: Any) -> list[str]:
        source = AudioFileSource(audio, silence_after_s=1.0)
        if turns is None:
            listener = StreamListener(source, vad, transcriber, settings)
        else:
            listener = StreamListener(source, vad, transcriber, settings, turns=turns)
        texts = []
        while not listener.ended:
            heard = listener.hear(timeout_s=3600.0)
            if heard is not None:
                texts.append(heard.text)
        return texts

    total_ref = total_kept = 0
    groups: dict[str, list[float]] = {"near": [], "meeting": []}
    started = time.perf_counter()
    print(f"{'file':52} {'ref':>5} {'kept':>5} {'share':>6}")
    for path in speech_files(args.data):
        if args.only and args.only not in str(path):
            continue
        rel = str(path.relative_to(args.data))
        audio = load_audio(path)
        if rel not in cache:
            if ref_model is None:
                ref_model = WhisperModel(str(transcriber.choice.model), device="cpu", compute_type="int8")
            cache[rel] = reference_text(ref_model, audio)
            args.cache.write_text(json.dumps(cache, indent=1))
        reference = words_of(cache[rel])
        heard = words_of(" ".join(listen(audio)))
        n = kept(reference, heard)
        total_ref += len(reference)
        total_kept += n
        share = n / len(reference) if reference else 1.0
        groups["near" if any(rel.startswith(g) for g in NEAR) else "meeting"].append(share)
        print(f"{rel:52} {len(reference):5d} {n:5d} {share:6.1%}", flush=True)
    phantoms = 0
    for path in sorted(args.data.glob("speechbrain/noise/*.wav")):
        texts = listen(load_audio(path))
        phantoms += len(texts)
        print(f"{str(path.relative_to(args.data)):52} phantoms {len(texts)} {texts!r}", flush=True)
    print()
    share = total_kept / max(1, total_ref)
    print(f"Words kept overall: {total_kept} of {total_ref} = {share:.1%} (target 98 %)")
    for name, shares in groups.items():
        if shares:
            low = sum(1 for s in shares if s < 0.95)
            print(f"  {name}: {len(shares)} files, lowest {min(shares):.1%}, {low} under 95 %")
    print(f"Phantom utterances on the five noise recordings: {phantoms} (target 0)")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

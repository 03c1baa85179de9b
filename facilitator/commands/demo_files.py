"""The demo's files: the facilitator's track, the whole room mixed, and the transcript (demo --out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio

if TYPE_CHECKING:
    from facilitator.adapters.room import PlayedLine, SimulatedRoom
    from facilitator.commands.demo import DemoRun
    from facilitator.events import Heard


def _stamp(t_s: float) -> str:
    minutes, seconds = divmod(t_s, 60.0)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def _who_spoke(run: DemoRun, heard: Heard) -> str:
    """Who really spoke most of an utterance, from the room's timeline (names joined when mixed)."""
    overlaps: dict[str, float] = {}
    for placed in run.room.played:
        shared = min(placed.end_s, heard.end_s) - max(placed.start_s, heard.start_s)
        if shared > 0.2:
            overlaps[placed.line.who] = overlaps.get(placed.line.who, 0.0) + shared
    return " + ".join(sorted(overlaps, key=lambda who: -overlaps[who])) or "(nobody)"


def transcript_text(run: DemoRun) -> str:
    """Who said what, in stream time: the facilitator's prompts and each utterance as heard."""
    rows: list[tuple[float, str]] = [
        (s.start_s, f"[{_stamp(s.start_s)}] Facilitator ({s.prompt_id}): {s.text}") for s in run.spoken
    ]
    for heard in run.heard:
        voice = heard.speaker or "unsure"
        rows.append((heard.start_s, f"[{_stamp(heard.start_s)}] {_who_spoke(run, heard)} "
                                    f"(voice: {voice}, margin {heard.margin:+.2f}): {heard.text}"))
    return "".join(row + "\n" for _, row in sorted(rows, key=lambda r: r[0]))


def mix_tracks(run: DemoRun) -> tuple[Audio, Audio]:
    """The facilitator's track alone, and the whole room (people, noise and facilitator) mixed."""
    end_s = max([run.room.now_s] + [start + a.size / SAMPLE_RATE for start, a in run.facilitator_track])
    length = int(end_s * SAMPLE_RATE) + 1
    facilitator = np.zeros(length, dtype=np.float32)
    for start_s, audio in run.facilitator_track:
        at = int(round(start_s * SAMPLE_RATE))
        n = min(audio.size, length - at)
        facilitator[at : at + n] += audio[:n]
    people = np.zeros(length, dtype=np.float32)
    for placed in run.room.played:
        _add_line(people, run.room, placed)
    return facilitator, facilitator * 0.8 + people


def _add_line(buffer: Audio, room: SimulatedRoom, placed: PlayedLine) -> None:
    audio = room.line_audio(placed.line.id)
    at = int(round(placed.start_s * SAMPLE_RATE))
    n = max(0, min(audio.size, buffer.size - at))
    buffer[at : at + n] += audio[:n]


def write_outputs(run: DemoRun, folder: Path) -> list[Path]:
    """Write facilitator.wav, conversation.wav and transcript.txt into ``folder`` (created)."""
    from facilitator.audio import write_wav
    from facilitator.errors import InputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        facilitator, conversation = mix_tracks(run)
        paths = [folder / "facilitator.wav", folder / "conversation.wav", folder / "transcript.txt"]
        write_wav(paths[0], facilitator)
        write_wav(paths[1], conversation)
        paths[2].write_text(transcript_text(run), encoding="utf-8")
    except (OSError, RuntimeError) as exc:  # soundfile raises RuntimeError (LibsndfileError)
        raise InputError(
            f"Cannot write the demo's files into {folder} ({exc}); choose another --out."
        ) from exc
    return paths


__all__ = ["mix_tracks", "transcript_text", "write_outputs"]

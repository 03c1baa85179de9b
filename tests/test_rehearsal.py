"""`facilitator rehearse --text` through every branch (issue 15), the deck, the script, the partner voice."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from facilitator.cli import main
from facilitator.clock import FakeClock
from facilitator.errors import ScriptError
from facilitator.mirror import mirror
from facilitator.practice import DECK, clearer, load_deck, load_rehearse_script
from facilitator.rehearsal import summary_lines
from facilitator.script import load_script

HARSH = "You always come home late and never call. That's all."
SOFTER = "When you came home late without calling I felt scared and lonely."


def rehearse(lines: list[str], *args: str, seed: int = 1) -> Result:
    return CliRunner().invoke(main, ["rehearse", "--text", *args], input="\n".join(lines) + "\n",
                              obj={"clock": FakeClock(), "rng": random.Random(seed)})


def facilitator_lines(result: Result) -> list[str]:
    said = ("Facilitator:", "Practice partner:")
    return [line for line in result.output.splitlines() if line.startswith(said)]


def first_deck_share(seed: int = 1) -> str:
    deck = list(load_deck())
    random.Random(seed).shuffle(deck)
    return deck[0].text


def test_skip_breathing_not_quite_a_second_try_and_listening_with_a_miss_then_a_landing() -> None:
    result = rehearse([
        "skip",
        HARSH,  # a hand-off: one gentle I-language tip
        "When you came home late I was up waiting.",
        "",  # a silence: "is there more?"
        "no",
        "not quite",
        "I was really scared something had happened",
        "yes",
        "yes",  # another try
        SOFTER, "", "no",
        "yes",
        "no",  # no third try
        "yes",  # practise listening
        "You were late",  # a clear miss
        "you felt anxious when I was late to pick you up, and you were standing in the cold",
        "no",  # no other share
    ])
    assert result.exit_code == 0, result.output
    said = facilitator_lines(result)
    text = "\n".join(said)
    assert "A short note before we start. I'm not a therapist" in text  # the session's safety note
    assert "Alright, we'll go straight in." in text
    assert any("'always' or 'never'" in line for line in said)  # the share coach, once
    assert sum("'always' or 'never'" in line for line in said) == 1
    first = mirror("You always come home late and never call. That's all. When you came home late I was up "
                   "waiting.").text
    assert f"Facilitator: {first}" in said
    assert "Facilitator: Thank you for telling me. What did I miss? Just that part." in said
    assert any("you were really scared something had happened" in line and "this time" in line
               for line in said)
    assert "Facilitator: This time, what you felt came through more clearly: scared and lonely." in said
    assert "Facilitator: And there was less always or never in it, which makes it easier to hear." in said
    partner_share = first_deck_share()
    assert f"Practice partner: {partner_share}" in said
    assert "Practice partner: Hmm, not quite. I'm not sure you heard how I feel." in said
    assert "Practice partner: Yes. That's it. I feel heard." in said
    # the judge's coaching comes between the miss and the landing
    miss = said.index("Practice partner: Hmm, not quite. I'm not sure you heard how I feel.")
    assert "anxious" in said[miss + 1]
    assert "Facilitator: You practised your own share twice." in said
    assert "Facilitator: When you listened, your reflection landed." in said
    assert "Shares practised: 2" in result.output
    assert "Feelings named: scared, lonely" in result.output
    assert "Your reflections that landed: 1 of 1" in result.output


def test_breathing_when_wanted_then_stop_mid_share_still_sums_up(private_home: Path) -> None:
    result = rehearse(["yes", "stop"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Let's breathe together for a little while, so your body can settle." in text
    assert "   ... " in text  # the breathing cues
    assert "Alright, we'll stop here. Take good care of yourself." in text
    assert "Shares practised: 0" in text
    assert "Facilitator: Thank you for practising." in text
    assert not any(private_home.glob("rehearsal-*.txt")) if private_home.exists() else True


def test_listen_goes_straight_to_the_practice_partner_and_a_second_share() -> None:
    deck = list(load_deck())
    random.Random(3).shuffle(deck)
    result = rehearse([
        "you felt " + mirror(deck[0].text).content.split("you felt ", 1)[-1],
        "yes",
        "I don't know",  # not a reflection: a miss
        "That's not fair",  # another miss
        "no idea",  # the last try: move on
        "stop",
    ], "--listen", seed=3)
    assert result.exit_code == 0, result.output
    said = facilitator_lines(result)
    assert not any("breathing exercise" in line for line in said)
    assert f"Practice partner: {deck[0].text}" in said
    assert f"Practice partner: {deck[1].text}" in said
    assert "Facilitator: That's alright. It's hard to catch it all. Let's leave this one there." in said
    assert "Practice partner: Thank you for listening." in said
    assert "Your reflections that landed: 1 of 2" in result.output


def test_a_share_with_nothing_in_it_gets_a_gentle_word_and_goes_on() -> None:
    result = rehearse(["skip", "", "", "no", "no", "no"])
    assert result.exit_code == 0, result.output
    assert "I didn't hear anything to say back yet." in result.output
    assert "Shares practised: 0" in result.output
    assert "Would you like to practise listening too?" in result.output


def test_voice_commands_work_as_in_a_session() -> None:
    result = rehearse(["skip", "pause", "hello?", "resume", "repeat that", "I felt hurt when you left early.",
                       "", "no", "yes", "no", "no"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Pausing. Say resume when you're ready to go on." in text
    assert "I'm paused. Say resume when you're ready." not in text  # talk while paused is left alone
    assert "Okay, let's go on." in text
    assert text.count("Whenever you're ready, say what you'd like your partner to hear") >= 2  # repeated


def test_a_breathing_break_restarts_the_part_it_interrupted() -> None:
    result = rehearse(["skip", "I need a break", "I felt hurt when you left early.", "", "no", "yes", "no",
                       "no"])
    assert result.exit_code == 0, result.output
    assert "Let's take a breathing break." in result.output
    assert "Welcome back. Let's go on from where we were." in result.output
    assert "Shares practised: 1" in result.output


def test_nothing_is_kept_unless_asked_and_the_events_keep_no_words(private_home: Path,
                                                                   tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    share = "I felt hurt when you left early."
    result = rehearse(["skip", share, "", "no", "yes", "no", "no"], "--events", str(events))
    assert result.exit_code == 0, result.output
    assert not list(private_home.glob("rehearsal-*.txt"))
    log = [json.loads(line) for line in events.read_text().splitlines()]
    types = {item["type"] for item in log}
    assert {"step", "prompt", "heard", "completed"} <= types
    assert any(item["type"] == "step" and item["step"] == "rehearse.share" for item in log)
    assert all(item.get("text") is None for item in log if item["type"] == "heard")
    kept = rehearse(["skip", share, "", "no", "yes", "no", "no"], "--keep-transcript")
    files = list(private_home.glob("rehearsal-*.txt"))
    assert len(files) == 1 and share in files[0].read_text()
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert "Transcript kept in" in kept.output


def test_the_practice_deck_is_everyday_and_big_enough() -> None:
    deck = load_deck()
    assert len(deck) >= 30
    assert len({item.text for item in deck}) == len(deck)
    themes = {item.theme for item in deck}
    assert {"lateness", "phone at dinner", "chores", "in-laws", "money", "forgotten date"} <= themes


def test_a_deck_with_a_hard_theme_or_no_feeling_is_refused(tmp_path: Path) -> None:
    hard = tmp_path / "hard.toml"
    hard.write_text('[[share]]\ntheme = "money"\ntext = "I felt scared when you threatened me."\n')
    with pytest.raises(ScriptError, match="hard theme"):
        load_deck(hard)
    flat = tmp_path / "flat.toml"
    flat.write_text('[[share]]\ntheme = "chores"\ntext = "You left the dishes in the sink."\n')
    with pytest.raises(ScriptError, match="names no feeling"):
        load_deck(flat)
    assert DECK.is_file()


def test_the_rehearse_script_is_checked_at_load(tmp_path: Path) -> None:
    short = tmp_path / "mine.toml"
    short.write_text('[rehearse]\nhello = "Hi."\n')
    with pytest.raises(ScriptError, match="missing"):
        load_rehearse_script(load_script(None), short)
    result = CliRunner().invoke(main, ["rehearse", "--text", "--script", str(short)], input="")
    assert result.exit_code == 1 and "missing" in result.output and "Traceback" not in result.output


def test_what_came_through_is_only_what_is_true() -> None:
    assert clearer(HARSH, SOFTER).feelings == ("scared", "lonely")
    assert clearer(HARSH, SOFTER).fewer_absolutes
    same = clearer(SOFTER, SOFTER)
    assert not same.anything
    lines = summary_lines({"shares": 0, "feelings": (), "listened": 0, "landed": 0})
    assert [prompt for prompt, _ in lines] == ["rehearse.goodbye"]


def test_the_partner_voice_is_shifted_up_from_the_facilitators() -> None:
    from facilitator.commands.rehearse import ShiftedVoice

    class Sine:
        sample_rate = 22050

        def synthesize(self, text: str):  # type: ignore[no-untyped-def]
            t = np.arange(22050) / 22050
            yield np.sin(2 * np.pi * 200 * t).astype(np.float32)

    out = np.concatenate(list(ShiftedVoice(Sine(), 1.28).synthesize("hello")))
    spectrum = np.abs(np.fft.rfft(out))
    peak_hz = np.argmax(spectrum) * 22050 / out.size
    assert 250 < peak_hz < 262  # 200 Hz raised by 1.28
    assert out.size < 22050  # and a little faster (the longer phoneme length offsets it)


def test_the_partner_name_is_said_in_the_reflection() -> None:
    result = rehearse(["skip", "When you were late again, I felt hurt.", "", "no", "yes", "no", "no"],
                      "--partner", "Sam")
    assert result.exit_code == 0, result.output
    assert "when Sam was late again, you felt hurt" in result.output


def test_a_share_ended_by_silence_gets_its_one_tip_before_the_offer_to_try_again() -> None:
    result = rehearse(["skip", "You never listen to me.", "", "no", "yes", "no", "no"])
    assert result.exit_code == 0, result.output
    said = facilitator_lines(result)
    tips = [i for i, line in enumerate(said) if "'always' or 'never'" in line]
    assert len(tips) == 1
    assert said[tips[0] + 1].startswith("Facilitator: Would you like to say it once more")
    assert said[tips[0] - 1] == "Facilitator: Good. It came through."


def test_saying_nothing_back_gets_no_not_heard_from_the_partner() -> None:
    result = rehearse(["", "", "", "", "no"], "--listen")
    assert result.exit_code == 0, result.output
    assert "Take your time. When you're ready, say back what you heard." in result.output
    assert "not quite" not in result.output.lower()
    assert "Practice partner: Thank you for listening." in result.output

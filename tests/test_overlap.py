"""One speaker at a time: the decision on windows with known scores, and identify's report of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from facilitator.audio import SAMPLE_RATE, load_audio, write_wav
from facilitator.cli import main
from facilitator.config import load_config
from facilitator.events import Attribution, Heard
from facilitator.overlap import OverlapReport, review, turn_rules
from facilitator.speakers import sliding_spans
from facilitator.talkover import longest_run
from facilitator.turns import Floor, Overlap, classify

RULES = turn_rules(load_config().session)
HOLDER, OTHER = "Alex", "Jo"


def windows(*scores: float, threshold: float = 0.08) -> tuple[Attribution, ...]:
    """Windows 1.5 s long every 0.5 s; a score > 0 leans to the other voice by that much, < 0 to the
    floor holder."""
    out = []
    for i, score in enumerate(scores):
        nearer = OTHER if score > 0 else HOLDER
        speaker = nearer if abs(score) >= threshold else None
        out.append(Attribution(0.5 * i, 0.5 * i + 1.5, speaker, abs(score), nearer))
    return tuple(out)


def utterance(*scores: float, speaker: str | None = HOLDER) -> Heard:
    spans = windows(*scores)
    return Heard(0.0, spans[-1].end_s, "the floor holder's words", speaker, 0.2, spans)


def test_the_holder_alone_leaning_their_way_is_no_overlap() -> None:
    assert classify(utterance(-0.3, -0.25, -0.2, -0.31), HOLDER, OTHER, RULES) is Overlap.HOLDER
    # Under the threshold but every window still nearer the holder: no overlap either.
    assert classify(utterance(-0.3, -0.02, -0.01, -0.3, speaker=None), HOLDER, OTHER, RULES) is Overlap.HOLDER
    # Too short to score at all: nobody knows who spoke.
    assert classify(Heard(0.0, 0.8, "yes", None), HOLDER, OTHER, RULES) is Overlap.UNSURE
    assert classify(utterance(-0.3, 0.01, -0.3, speaker=None), HOLDER, OTHER, RULES) is Overlap.UNSURE


def test_two_consecutive_windows_nearer_the_other_voice_are_a_talk_over() -> None:
    assert classify(utterance(-0.3, 0.09, 0.08, -0.2), HOLDER, OTHER, RULES) is Overlap.INTERRUPTION
    # Close voices: the attribution threshold may be calibrated down to 0.03, the run's bar is not.
    close = Heard(0.0, 3.5, "words", HOLDER, 0.2, windows(-0.3, 0.05, 0.05, -0.2, threshold=0.03))
    assert classify(close, HOLDER, OTHER, RULES) is Overlap.UNSURE


def test_one_window_or_a_broken_run_is_only_unsure() -> None:
    assert classify(utterance(-0.3, 0.2, -0.2, -0.3), HOLDER, OTHER, RULES) is Overlap.UNSURE
    assert classify(utterance(-0.3, 0.09, -0.01, 0.09, -0.3), HOLDER, OTHER, RULES) is Overlap.UNSURE


def test_leaning_less_than_the_lean_margin_does_not_count() -> None:
    assert RULES.lean == pytest.approx(0.08)
    assert longest_run(windows(0.05, 0.05, 0.05), OTHER, RULES.lean) == 0
    assert classify(utterance(-0.3, 0.02, 0.02, 0.02, -0.3), HOLDER, OTHER, RULES) is Overlap.HOLDER
    assert longest_run(windows(0.08, 0.1, 0.2, -0.1, 0.09), OTHER, RULES.lean) == 3


def test_a_short_reply_nearer_the_other_voice_is_a_continuer_even_unattributed() -> None:
    short = Heard(0.0, 1.1, "Yes.", None, 0.07, windows(0.07))
    assert classify(short, HOLDER, OTHER, RULES) is Overlap.CONTINUER
    holder_yes = Heard(0.0, 1.1, "Yes.", None, 0.07, windows(-0.07))
    assert classify(holder_yes, HOLDER, OTHER, RULES) is Overlap.HOLDER
    assert classify(Heard(0.0, 1.1, "", None, 0.07, windows(0.07)), HOLDER, OTHER, RULES) is Overlap.UNSURE
    # Words unknown (identify --no-text): the other's own utterance cannot be called either way.
    unknown = Heard(0.0, 3.0, "", OTHER, 0.3, windows(0.3, 0.3))
    assert classify(unknown, HOLDER, OTHER, RULES) is Overlap.UNSURE


def test_the_thresholds_come_from_the_session_settings() -> None:
    strict = turn_rules(load_config(overrides={"session.interruption_min_windows": 3,
                                               "session.interruption_lean_margin": 0.12}).session)
    assert (strict.min_windows, strict.lean) == (3, 0.12)
    assert classify(utterance(-0.3, 0.13, 0.13, -0.3), HOLDER, OTHER, strict) is Overlap.UNSURE
    assert classify(utterance(-0.3, 0.1, 0.1, 0.1, -0.3), HOLDER, OTHER, strict) is Overlap.UNSURE


def test_the_report_names_who_talked_over_and_never_reminds_when_unsure() -> None:
    floor = Floor(HOLDER, OTHER, RULES)
    assert review(floor, utterance(-0.3, -0.3)) == OverlapReport(None, None, False)
    unsure = review(floor, utterance(-0.3, 0.3, -0.3))
    assert (unsure.overlap, unsure.by, unsure.reminder) == ("unsure", None, False)
    over = review(floor, utterance(-0.3, 0.1, 0.09, -0.3))
    assert (over.overlap, over.by, over.reminder) == ("interruption", OTHER, True)
    again = review(floor, utterance(-0.3, 0.1, 0.09, -0.3))
    assert (again.overlap, again.reminder) == ("interruption", False)  # not repeated at once
    mm = review(floor, Heard(0.0, 1.2, "Mm-hm.", OTHER, 0.2))
    assert (mm.overlap, mm.by, mm.reminder) == ("continuer", OTHER, False)


def test_windows_slide_every_half_second_and_reach_the_end() -> None:
    spans = sliding_spans(int(3.4 * SAMPLE_RATE), 1.5, 0.5)
    assert [(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in spans] == [
        (0.0, 1.5), (0.5, 2.0), (1.0, 2.5), (1.5, 3.0), (1.9, 3.4)]
    assert sliding_spans(int(3.2 * SAMPLE_RATE), 1.5, 0.5)[-1] == (int(1.5 * SAMPLE_RATE), 3 * SAMPLE_RATE)
    assert sliding_spans(int(1.6 * SAMPLE_RATE), 1.5, 0.5) == [(0, int(1.6 * SAMPLE_RATE))]
    assert sliding_spans(int(2.0 * SAMPLE_RATE), 1.5, 0.5)[-1][1] == int(2.0 * SAMPLE_RATE)


# --- identify, end to end with the real engines -------------------------------------------------

LIBRI = "speech/librispeech-test-other-10spk"


def _libri(shared: Path, speaker: str, book: str, n: int) -> np.ndarray:
    return load_audio(shared / LIBRI / speaker / f"{speaker}-{book}-{n:04d}.flac")


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def _identify(args: list[str]) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["identify", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_identify_reports_a_planted_talk_over_and_a_continuer(shared_data: Path, tmp_path: Path) -> None:
    """Ann shares (LibriSpeech 1688); Bea (3331) says "say yes." in a pause, then talks over for 4.5 s."""
    ann = lambda n: _libri(shared_data, "1688", "142285", n)  # noqa: E731
    bea = lambda n: _libri(shared_data, "3331", "159605", n)  # noqa: E731
    write_wav(tmp_path / "ann.wav", ann(0))
    write_wav(tmp_path / "bea.wav", bea(0))
    yes = bea(3)[int(4.62 * SAMPLE_RATE):int(5.45 * SAMPLE_RATE)]  # "say yes.": two words
    parts = [_silence(0.5), ann(3), _silence(0.4), ann(4), _silence(0.9), yes, _silence(0.9)]
    over_at = sum(len(p) for p in parts) + 2 * SAMPLE_RATE
    mix = np.concatenate(parts + [ann(6), _silence(0.4), ann(7), _silence(1.0)])
    talk_over = bea(7)  # "He has known her all her life and has a good influence over her."
    mix[over_at:over_at + len(talk_over)] += talk_over
    write_wav(tmp_path / "pair.wav", mix)
    rows = _identify([str(tmp_path / "pair.wav"), "--voice", f"Ann={tmp_path / 'ann.wav'}",
                      "--voice", f"Bea={tmp_path / 'bea.wav'}", "--floor", "Ann"])
    over_s = over_at / SAMPLE_RATE
    yes_s = sum(len(p) for p in parts[:5]) / SAMPLE_RATE
    decided = {}
    for row in rows:
        decided.setdefault(row["utterance"], (row["start_s"], row["end_s"], row["overlap"], row["by"]))
        decided[row["utterance"]] = (decided[row["utterance"]][0], row["end_s"], row["overlap"], row["by"])
    found = {(o, by) for a, b, o, by in decided.values() if o}
    assert found == {("continuer", "Bea"), ("interruption", "Bea")}, rows
    for start, end, overlap, _by in decided.values():
        if overlap == "interruption":
            assert start < over_s + 1.0 and end > over_s + 3.0
        if overlap == "continuer":
            assert start < yes_s + 0.5 and end > yes_s + 0.5


def test_a_clean_single_speaker_recording_reports_no_overlap(shared_data: Path, tmp_path: Path) -> None:
    """One person reading (LibriSpeech 2414), another voice enrolled but silent: no overlap anywhere."""
    one = lambda n: _libri(shared_data, "2414", "128291", n)  # noqa: E731
    write_wav(tmp_path / "reader.wav", np.concatenate([one(0), one(1)]))
    write_wav(tmp_path / "quiet.wav", _libri(shared_data, "3331", "159605", 0))
    reading = [part for n in range(2, 8) for part in (one(n), _silence(0.5))]
    write_wav(tmp_path / "alone.wav", np.concatenate(reading))
    rows = _identify([str(tmp_path / "alone.wav"), "--voice", f"Reader={tmp_path / 'reader.wav'}",
                      "--voice", f"Quiet={tmp_path / 'quiet.wav'}", "--no-text"])
    assert rows
    assert all(row["overlap"] is None and row["by"] is None and not row["reminder"] for row in rows), rows

"""Voice commands, Ctrl-C, a lost microphone, and --resume at the same step (fakes)."""

from __future__ import annotations

import json

import pytest
from session_fakes import END, REFLECT_J, SHARE_A, A, FakeVoices, J, Line, rig, whole_session

from facilitator.errors import DeviceError, StateError
from facilitator.session import OutcomeKind
from facilitator.sessionlog import BreakTaken, CommandHeard, DeviceEvent
from facilitator.state import SessionState, StateStore, Step


def _at(cues, prompt_id, items, nth=0):  # type: ignore[no-untyped-def]
    """Put ``items`` before the existing items of the nth cue for prompt_id."""
    seen = 0
    for index, (cue_id, old) in enumerate(cues):
        if cue_id == prompt_id:
            if seen == nth:
                cues[index] = (cue_id, items + old)
                return cues
            seen += 1
    raise AssertionError(prompt_id)


# --- voice commands ----------------------------------------------------------------------------


def test_pause_waits_silently_until_resume_then_repeats_the_question() -> None:
    cues = _at(whole_session(), "consent.ask", [Line(None, "Pause, please.", 0.8)], nth=1)
    cues.insert(4, ("commands.paused", [Line(A, "So what do we say next?", 2.0),
                                        Line(None, "Repeat that.", 0.7), Line(None, "Resume.", 0.6)]))
    cues.insert(5, ("commands.resumed", []))
    cues.insert(6, ("consent.ask", [Line(None, "Yes.", 0.5)]))
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    ids = r.speaker.ids
    at = ids.index("commands.paused")
    assert ids[at + 1 : at + 4] == ["commands.still_paused", "commands.resumed", "consent.ask"]
    # The question is repeated word for word after resume.
    assert r.speaker.said[at + 3] == r.speaker.said[at - 1]
    assert [e.command for e in r.log.of_type(CommandHeard)] == ["pause", "repeat", "resume"]  # type: ignore[attr-defined]


def test_repeat_that_says_the_last_prompt_again() -> None:
    cues = _at(whole_session(), "first.ask", [Line(None, "Can you repeat that?", 1.0)])
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    at = r.speaker.ids.index("first.ask")
    assert r.speaker.said[at + 1] == r.speaker.said[at]


def test_slower_slows_the_voice_and_stretches_the_waits() -> None:
    cues = _at(whole_session(), "first.ask", [Line(None, "Slower, please.", 0.8)])
    r = rig(cues)
    r.session.run()
    assert r.speaker.slowed == 1 and "commands.slower" in r.speaker.ids
    assert r.session._pace == pytest.approx(1.25)


def test_i_need_a_break_breathes_then_returns_to_the_same_step() -> None:
    cues = whole_session()
    cues[5] = ("share.invite", [Line(A, "I felt hurt.", 2.0), Line(None, "I need a break.", 1.0)])
    # After the break the share step starts again ("please go on"), where Alex finishes.
    cues.insert(6, ("share.again", [Line(A, "And alone, when you came home late.", 3.0),
                                    Line(None, "That's it.", 0.6)]))
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.COMPLETE
    assert r.breather.calls == [("resonance", 2.0), ("resonance", 2.0)]  # step 1, then the break
    ids = r.speaker.ids
    assert ids[ids.index("commands.break_start") : ids.index("commands.break_start") + 3] == [
        "commands.break_start", "commands.break_end", "share.again"]
    assert outcome.summary.breaks == 1
    assert [e.kind for e in r.log.of_type(BreakTaken)] == ["breathing"]  # type: ignore[attr-defined]
    # What was said before the break still counts as the share.
    assert r.judge.calls[0][0].startswith("I felt hurt. And alone")


def test_stop_ends_gently_and_resume_continues_at_that_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store_path = tmp_path / "session.json"
    cues = _at(whole_session(), "acknowledge.invite", [Line(None, "Stop.", 0.5)])
    r = rig(cues, store_path=store_path)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.STOPPED
    assert r.speaker.ids[-1] == "commands.stop"
    saved = StateStore(store_path).load()
    assert saved is not None and saved.step is Step.ACKNOWLEDGE and saved.outcome == "stopped"
    assert saved.sharer == A and saved.listener == J

    rest = [c for c in whole_session() if c[0] in ("acknowledge.invite", "reassure.invite", "switch.roles",
                                                       "share.more", "reflect.invite", "reflect.check",
                                                       "reconnect.ask")]
    rest = rest[:2] + rest[3:]  # drop the first turn's share.more, already done
    resumed = rig(rest, store_path=store_path, resume=saved, voices=FakeVoices(known=(A, J)))
    final = resumed.session.run()
    assert final.kind is OutcomeKind.COMPLETE
    assert resumed.speaker.ids[:2] == ["welcome.resume", "acknowledge.invite"]
    assert resumed.voices.used == [(A, J)]
    assert final.summary.duration_s > outcome.summary.duration_s


def test_a_source_that_ends_stops_the_session_instead_of_waiting_forever() -> None:
    cues = _at(whole_session(), "share.invite", [Line(A, "I felt hurt.", 2.0), END])
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.STOPPED and outcome.state.step is Step.SHARE


# --- Ctrl-C and a lost microphone --------------------------------------------------------------


def test_ctrl_c_mid_step_saves_the_step_and_resume_continues_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store_path = tmp_path / "session.json"
    cues = _at(whole_session(), "reflect.invite", [KeyboardInterrupt()])
    r = rig(cues, store_path=store_path)
    with pytest.raises(KeyboardInterrupt):
        r.session.run()
    saved = StateStore(store_path).load()
    assert saved is not None and saved.step is Step.REFLECT and saved.outcome is None
    # The share's words were never saved, so a resume at "reflect" hears the share again.
    cues = [c for c in whole_session() if c[0] not in ("names.ask_first", "names.ask_second", "consent.ask",
                                                          "first.ask", "share.invite")]
    cues.insert(0, ("share.invite", [Line(A, SHARE_A, 5.0), Line(None, "That's it.", 0.5)]))
    resumed = rig(cues, store_path=store_path, resume=saved, voices=FakeVoices(known=(A, J)))
    assert resumed.session.run().kind is OutcomeKind.COMPLETE
    assert resumed.speaker.ids[:2] == ["welcome.resume", "share.invite"]
    assert resumed.judge.calls[0] == (SHARE_A + " That's it.", REFLECT_J)


def test_a_lost_microphone_is_said_waited_for_and_the_step_restarts() -> None:
    cues = whole_session()
    at = [c[0] for c in cues].index("first.ask")
    cues[at] = ("first.ask", [DeviceError("no input device"), DeviceError("no input device")])
    cues.insert(at + 1, ("first.ask", [Line(A, "Me.", 1.1)]))  # asked again after the mic is back
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    ids = r.speaker.ids
    at = ids.index("device.lost")
    assert ids[at - 1] == "first.ask" and ids[at + 1 : at + 3] == ["device.back", "first.ask"]
    assert [e.what for e in r.log.of_type(DeviceEvent)] == ["lost", "back"]  # type: ignore[attr-defined]


def test_a_microphone_that_does_not_come_back_saves_and_exits_with_a_resume_hint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store_path = tmp_path / "session.json"
    cues = _at(whole_session(), "first.ask", [DeviceError("gone")] * 20)
    r = rig(cues, store_path=store_path)
    with pytest.raises(DeviceError, match="--resume"):
        r.session.run()
    saved = StateStore(store_path).load()
    assert saved is not None and saved.step is Step.FIRST and saved.names == (A, J)


def test_resume_relearns_a_voice_the_book_no_longer_has() -> None:
    state = SessionState(step=Step.FIRST, names=(A, J), elapsed_s=100.0)
    cues = [c for c in whole_session() if c[0] not in ("names.ask_first", "names.ask_second", "consent.ask")]
    cues.insert(0, ("names.relearn", [Line(J, "Here is my voice again, a few words.", 3.0, voice=True)]))
    voices = FakeVoices(known=(A,))
    r = rig(cues, resume=state, voices=voices)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.ids[:3] == ["welcome.resume", "names.relearn", "names.enrolled"]
    assert [n for n, _ in voices.enrolled] == [J]


# --- the state file ----------------------------------------------------------------------------


def test_state_round_trips_and_bad_files_are_clear_errors_that_lose_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = StateStore(tmp_path / "session.json")
    assert store.load() is None
    state = SessionState(step=Step.REFLECT, round=2, turn=1, names=(A, J), first=J, talk_s={A: 3.5},
                         reminders={J: 1}, breaks=1)
    store.save(state)
    assert store.load() == state
    assert store.path.stat().st_mode & 0o777 == 0o600

    raw = json.loads(store.path.read_text())
    raw["version"] = 0
    store.path.write_text(json.dumps(raw))
    with pytest.raises(StateError, match="another version"):
        store.load()
    assert json.loads(store.path.read_text())["version"] == 0  # left as it was

    store.path.write_text("{not json")
    with pytest.raises(StateError, match="damaged"):
        store.load()
    assert store.path.read_text() == "{not json"

    raw["version"] = 1
    raw["step"] = "dancing"
    store.path.write_text(json.dumps(raw))
    with pytest.raises(StateError, match="damaged"):
        store.load()


def test_set_aside_keeps_an_unfinished_session(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = StateStore(tmp_path / "session.json")
    store.save(SessionState(step=Step.SHARE, names=(A, J), first=A))
    kept = store.set_aside()
    assert kept is not None and kept.name == "session.previous.json" and not store.path.exists()


def test_a_lost_speaker_saves_the_place_and_propagates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store_path = tmp_path / "session.json"
    r = rig(whole_session(), store_path=store_path)
    say = r.speaker.say

    def failing(prompt_id: str, text: str) -> None:
        if prompt_id == "share.invite":
            raise DeviceError("The output device was lost.")
        say(prompt_id, text)

    r.speaker.say = failing  # type: ignore[method-assign]
    with pytest.raises(DeviceError, match="output device"):
        r.session.run()
    saved = StateStore(store_path).load()
    assert saved is not None and saved.step is Step.SHARE and saved.first == A

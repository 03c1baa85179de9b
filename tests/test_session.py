"""The session flow driven by fakes of every port: the main path and its bookkeeping."""

from __future__ import annotations

import json

from session_fakes import SHARE_A, A, J, Line, rig, whole_session

from facilitator.session import OutcomeKind
from facilitator.sessionlog import Completed, PromptSpoken, ReflectionJudged, StepEntered, UtteranceHeard
from facilitator.state import Step


def test_whole_session_runs_the_nine_steps_in_order_and_completes() -> None:
    r = rig(whole_session())
    outcome = r.session.run()

    assert outcome.kind is OutcomeKind.COMPLETE
    ids = r.speaker.ids
    order = ["welcome.hello", "welcome.safety", "welcome.privacy", "names.ask_first", "names.ask_second",
             "consent.ask", "consent.both_yes", "regulate.intro", "intent.reminder", "first.ask",
             "first.chosen", "share.invite", "share.more", "reflect.invite", "reflect.check",
             "acknowledge.invite", "reassure.invite", "switch.roles", "share.more", "reflect.invite",
             "reflect.check", "acknowledge.invite", "reassure.invite", "reconnect.ask", "reconnect.ask",
             "reconnect.invite", "reconnect.goodbye"]
    positions = [ids.index(order[0])]
    for prompt in order[1:]:
        positions.append(ids.index(prompt, positions[-1] + 1))
    assert positions == sorted(positions)
    # Consent is asked of both, before the breathing (issue 6's order).
    assert ids.index("consent.both_yes") < ids.index("regulate.intro")
    assert r.speaker.texts("consent.ask") == ["Alex, are you open to talking about this now?",
                                              "Jo, does now feel like a good time for you to talk?"]
    assert r.breather.calls == [("resonance", 2.0)]
    assert r.voices.used == [(A, J)]
    assert "Alex will share first" in r.speaker.texts("first.chosen")[0] or "Alex starts" in \
        r.speaker.texts("first.chosen")[0]
    # The judge compared the reflection with the share.
    assert r.judge.calls[0][0].startswith(SHARE_A)
    # No reminder: nobody talked over anybody.
    assert "reminder.one_at_a_time" not in ids

    steps = [e.step for e in r.log.of_type(StepEntered)]  # type: ignore[attr-defined]
    assert steps == ["welcome", "names", "consent", "regulate", "intent", "first", "share", "reflect",
                     "acknowledge", "reassure", "share", "reflect", "acknowledge", "reassure", "reconnect"]
    assert isinstance(r.log.events[-1], Completed)

    s = outcome.summary
    assert s.reflections_first_time == 2 and s.reflections_after_retries == 0
    assert s.breaks == 0 and sum(s.reminders.values()) == 0
    assert s.talk_s[A] > 0 and s.talk_s[J] > 0
    assert abs(s.talk_share(A) + s.talk_share(J) - 1.0) < 1e-9
    assert s.duration_s > 120  # the two-minute breathing at least


def test_lines_after_a_hand_off_are_prepared_while_the_sharer_speaks() -> None:
    r = rig(whole_session())
    r.session.run()
    assert "Alex, is there more you'd like to say?" in r.speaker.prepared
    assert "Is there anything more, Jo?" in r.speaker.prepared
    assert "Okay. Alex will share first, and Jo will listen." in r.speaker.prepared
    assert "Okay. Jo will share first, and Alex will listen." in r.speaker.prepared
    # Prepared texts are those actually said next: nearly everything said after the names was ready.
    said_after_names = [text for pid, text in r.speaker.said[r.speaker.ids.index("consent.ask") + 1:]]
    ready = sum(text in r.speaker.prepared for text in said_after_names)
    assert ready >= len(said_after_names) // 2
    spoken = {text for _, text in r.speaker.said}
    assert "Alex, is there more you'd like to say?" in spoken


def test_every_prompt_is_followed_by_half_duplex_muting() -> None:
    r = rig(whole_session())
    r.session.run()
    # One ignore_pending per say, plus one after the breathing exercise.
    assert len(r.room.ignored) == len(r.speaker.said) + 1
    assert set(r.room.ignored) == {0.4}


def test_state_is_saved_and_words_are_not_kept_by_default() -> None:
    r = rig(whole_session())
    r.session.run()
    saved = r.store.load()
    assert saved is not None and saved.step is Step.DONE and saved.outcome == "complete"
    assert saved.names == (A, J)
    raw = r.store.path.read_text()
    assert "hurt" not in raw and "alone" not in raw
    assert r.store.path.stat().st_mode & 0o777 == 0o600
    heard = [e for e in r.log.events if isinstance(e, UtteranceHeard)]
    assert heard and all(e.text is None for e in heard)
    lines = [json.loads(line) for line in r.log.to_jsonl().splitlines()]
    assert {line["type"] for line in lines} >= {"step", "prompt", "heard", "reflection", "completed"}
    assert "hurt and alone" not in "".join(
        json.dumps(line) for line in lines if line["type"] != "prompt"
    )


def test_kept_transcript_is_private_and_has_the_words(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "transcript.txt"
    r = rig(whole_session(), transcript=path)
    outcome = r.session.run()
    text = path.read_text()
    assert SHARE_A in text and "Facilitator: Hello" in text
    assert path.stat().st_mode & 0o777 == 0o600
    assert outcome.summary.transcript_path == str(path)
    assert any(isinstance(e, UtteranceHeard) and e.text == SHARE_A for e in r.log.events)


def test_prompts_and_verdicts_are_logged() -> None:
    r = rig(whole_session())
    r.session.run()
    prompts = [e for e in r.log.events if isinstance(e, PromptSpoken)]
    assert [p.prompt_id for p in prompts] == r.speaker.ids
    verdicts = [e for e in r.log.events if isinstance(e, ReflectionJudged)]
    assert [(v.listener, v.attempt, v.accepted) for v in verdicts] == [(J, 1, True), (A, 1, True)]


def test_voices_are_enrolled_from_heard_audio_or_reused() -> None:
    from session_fakes import FakeVoices

    voices = FakeVoices(known=(J,))
    r = rig(whole_session(voice=True), voices=voices)
    r.session.run()
    # Alex is new and enrolled; Jo is known, reused and quietly refreshed from what Jo said.
    assert [name for name, _ in voices.enrolled] == [A, J]
    assert "names.enrolled" in r.speaker.ids and "names.known" in r.speaker.ids


def test_enrolment_asks_for_more_voice_when_too_short() -> None:
    from session_fakes import FakeVoices

    cues = whole_session(voice=True)
    cues[0] = ("names.ask_first", [Line(None, "Alex.", 0.6, voice=True)])
    more = Line(None, "Today I walked by the river for a while.", 3.0, voice=True)
    cues.insert(1, ("names.more_voice", [more]))
    voices = FakeVoices(min_s=2.0)
    r = rig(cues, voices=voices)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert voices.enrolled[0][0] == A and voices.enrolled[0][1] >= 3.5  # both stretches of speech

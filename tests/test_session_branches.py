"""Every branch of the flow with fakes: not yet, who first, silences, reminders, retries, reconnect."""

from __future__ import annotations

from session_fakes import (
    REFLECT_A,
    REFLECT_J,
    SHARE_A,
    SHARE_J,
    SILENCE,
    A,
    FakeJudge,
    J,
    Line,
    closing,
    first_is,
    opening,
    rig,
    switch_turn,
    turn,
    whole_session,
)

from facilitator.session import OutcomeKind, time_phrase
from facilitator.sessionlog import PromptSpoken, ReminderGiven, TurnDecided
from facilitator.state import Step


def _replace(cues, prompt_id, items, nth=0):  # type: ignore[no-untyped-def]
    """Swap the items of the nth cue for prompt_id."""
    seen = 0
    for index, (cue_id, _) in enumerate(cues):
        if cue_id == prompt_id:
            if seen == nth:
                cues[index] = (cue_id, items)
                return cues
            seen += 1
    raise AssertionError(f"no cue {prompt_id} #{nth}")


# --- consent -----------------------------------------------------------------------------------


def test_not_yet_is_respected_a_time_is_said_back_and_mentioned_next_start() -> None:
    cues = opening()[:2] + [
        ("consent.ask", [Line(None, "Yes.", 0.5)]),
        ("consent.ask", [Line(None, "Not yet.", 0.6)]),
        ("later.ask_time", [Line(None, "Let's say tomorrow at seven.", 1.5)]),
    ]
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.NOT_YET
    assert r.speaker.texts("later.time_back") == [
        "So, tomorrow at seven. I'll remind you of that when you start me again."]
    assert r.speaker.ids[-1] == "later.goodbye"
    assert r.breather.calls == []  # nothing pressed on after a not yet
    saved = r.store.load()
    assert saved is not None and saved.return_at == "tomorrow at seven" and saved.outcome == "not_yet"

    # The next start mentions the agreed time in the welcome.
    again = rig(opening() + first_is(A), return_at=saved.return_at)
    again.room.cues.append(("share.invite", [KeyboardInterrupt()]))
    try:
        again.session.run()
    except KeyboardInterrupt:
        pass
    assert "Last time, you agreed to come back tomorrow at seven." in again.speaker.texts(
        "welcome.return_reminder")[0]


def test_a_no_from_the_first_person_ends_gently_without_asking_the_other() -> None:
    cues = opening()[:2] + [
        ("consent.ask", [Line(None, "No, I don't want to talk now.", 1.5)]),
        ("later.ask_time", [Line(None, "I don't know.", 0.8)]),
    ]
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.NOT_YET
    assert r.speaker.ids.count("consent.ask") == 1
    assert "later.no_time" in r.speaker.ids and "later.time_back" not in r.speaker.ids


def test_unclear_consent_is_asked_again_then_taken_as_not_yet() -> None:
    cues = opening()[:2] + [
        ("consent.ask", [Line(None, "Hmm, what do you mean exactly?", 1.5)]),
        ("consent.unclear", [SILENCE]),
        ("consent.unclear", [Line(None, "Well I suppose I could maybe.", 1.5)]),
    ]
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.NOT_YET
    assert r.speaker.ids.count("consent.unclear") == 2


def test_time_phrase() -> None:
    assert time_phrase("Let's say tomorrow at seven.") == "tomorrow at seven"
    assert time_phrase("Um, maybe Sunday morning?") == "sunday morning"
    assert time_phrase("I don't know") is None
    assert time_phrase("No.") is None
    assert time_phrase("") is None


# --- who goes first ----------------------------------------------------------------------------


def test_both_or_neither_gets_a_suggestion_then_a_name_decides() -> None:
    cues = whole_session()
    cues = _replace(cues, "first.ask", [Line(None, "Both of us, really.", 1.2)])
    cues.insert(5, ("first.suggest", [Line(None, "I don't know.", 0.7)]))
    cues.insert(6, ("first.suggest", [Line(None, "Alex should.", 0.9)]))
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.ids.count("first.suggest") == 2
    assert r.speaker.texts("first.chosen")[0].startswith("Okay. Alex will share first")


def test_an_unattributed_me_asks_for_the_name() -> None:
    cues = whole_session()
    cues = _replace(cues, "first.ask", [Line(None, "Me.", 0.4)])
    cues.insert(5, ("first.unclear", [Line(None, "Alex.", 0.5)]))
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.texts("first.unclear") == ["Sorry, I didn't catch who. Alex, or Jo?"]


def test_jo_can_go_first_by_saying_i_will() -> None:
    cues = opening() + [("first.ask", [Line(J, "I will.", 1.1)])] + turn(J, A, SHARE_J, REFLECT_A) + \
        switch_turn(A, J, SHARE_A, REFLECT_J) + closing()
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.texts("share.invite")[0].startswith("Jo,")


# --- share: silence, hand-off, "is there more?", coaching --------------------------------------


def test_long_silence_asks_is_there_more_and_moves_on_only_after_no() -> None:
    cues = whole_session()
    cues = _replace(cues, "share.invite", [Line(A, SHARE_A, 6.0), SILENCE])
    cues = _replace(cues, "share.more", [
        Line(None, "Yes, there's more.", 1.0),
        Line(A, "I also felt scared that something had happened to you.", 4.0),
        Line(None, "That's all.", 0.6),
    ])
    cues.insert(cues.index(("reflect.invite", [Line(J, REFLECT_J, 4.0)])),
                ("share.more", [SILENCE, SILENCE, Line(None, "No.", 0.4)]))
    cues.append(("share.more", [Line(None, "No, that's all.", 0.8)]))  # Jo's turn
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    ids = r.speaker.ids
    first_reflect = ids.index("reflect.invite")
    assert ids[:first_reflect].count("share.more") == 3
    assert "share.unsure" in ids[:first_reflect]
    # After "take your time", a much longer quiet before asking again: no nagging.
    prompts = [e for e in r.log.events if isinstance(e, PromptSpoken)]
    nudge = next(i for i, e in enumerate(prompts) if e.prompt_id == "share.unsure")
    assert prompts[nudge + 1].prompt_id == "share.more"
    assert prompts[nudge + 1].started_s - prompts[nudge].t_s >= 60.0
    # The long pause did not end the share; the later words are part of what is judged.
    assert "scared that something had happened" in r.judge.calls[0][0]


def test_short_silence_never_ends_a_share() -> None:
    r = rig(whole_session())
    r.session.run()
    # The share continued over the sharer's utterances until the explicit hand-off.
    first_more = r.speaker.ids.index("share.more")
    assert r.speaker.ids[first_more - 1] == "share.invite"


def test_i_language_coaching_at_most_once_per_share() -> None:
    cues = whole_session()
    cues = _replace(cues, "share.invite", [Line(A, "You never call when you're late.", 3.0),
                                           Line(None, "That's it.", 0.6)])
    cues.insert(5, ("share.coaching", [Line(A, "I felt lonely, and you never call.", 3.0),
                                       Line(None, "I'm done.", 0.5)]))
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.ids.count("share.coaching") == 1
    assert r.speaker.texts("share.coaching") == ["Could you say that as 'I felt ...'?"]


# --- one speaker at a time ---------------------------------------------------------------------


def test_interruption_gets_a_reminder_by_name_continuer_and_unsure_do_not() -> None:
    cues = whole_session()
    cues = _replace(cues, "share.invite", [
        Line(A, "I felt hurt when you came home late.", 4.0),
        Line(J, "Mm-hm.", 1.1),  # a continuer: fine
        Line(None, "But that's not what happened at all, you know that.", 2.5),  # unsure who: quiet
        Line(J, "But that's not what happened at all.", 2.0),  # the listener, competitive: reminder
        Line(A, "And I felt alone.", 2.0),
        Line(J, "I was at work, come on.", 1.6),  # again in the same turn: not repeated yet
        Line(A, "That's it.", 1.0),
    ])
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    reminders = [e for e in r.log.events if isinstance(e, ReminderGiven)]
    assert [(e.to, e.holder) for e in reminders] == [(J, A)]  # type: ignore[attr-defined]
    assert r.speaker.texts("reminder.one_at_a_time") == [
        "Jo, let's let Alex finish first. Your turn will come."]
    kinds = [e.overlap for e in r.log.events if isinstance(e, TurnDecided)]  # type: ignore[attr-defined]
    assert kinds[:4] == ["continuer", "unsure", "interruption", "interruption"]
    assert r.session.state.reminders == {J: 1}
    # Attributed interruptions are not part of the share the judge compares with (unsure speech is
    # taken as the sharer's: it never brings a reminder).
    assert "I was at work" not in r.judge.calls[0][0]
    assert "I felt alone" in r.judge.calls[0][0]


def test_reminder_is_repeated_only_when_interrupting_goes_on() -> None:
    cues = whole_session()
    cues = _replace(cues, "share.invite", [
        Line(A, "I felt hurt.", 2.0),
        Line(J, "That is just not fair to say.", 2.0),
        Line(J, "You were the one who left first.", 2.0),
        Line(J, "And you know it was your idea.", 2.0),
        Line(A, "That's it.", 1.0),
    ])
    r = rig(cues)
    r.session.run()
    assert r.speaker.ids.count("reminder.one_at_a_time") == 2


def test_mixed_voice_needs_two_confident_windows_of_the_listener() -> None:
    cues = whole_session()
    cues = _replace(cues, "share.invite", [
        Line(A, "I felt hurt when you came home late and I waited.", 4.5,
             windows=((A, 1.5), (J, 1.5), (A, 1.5))),
        Line(A, "And then I went to bed alone.", 4.5, windows=((A, 1.5), (J, 1.5), (J, 1.5))),
        Line(A, "That's it.", 1.0),
    ])
    r = rig(cues)
    r.session.run()
    kinds = [e.overlap for e in r.log.events if isinstance(e, TurnDecided)]  # type: ignore[attr-defined]
    assert kinds[:2] == ["unsure", "interruption"]
    assert r.speaker.ids.count("reminder.one_at_a_time") == 1
    # The mixed utterance still carries Alex's words into the share.
    assert "I went to bed alone" in r.judge.calls[0][0]


def test_sharer_talking_over_the_reflection_is_reminded_too() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.invite", [
        Line(J, "You felt hurt and alone", 2.0),
        Line(A, "No, no, that is not what I said.", 2.0),
        Line(J, "when I came home late.", 1.5),
    ])
    r = rig(cues)
    r.session.run()
    reminders = r.log.of_type(ReminderGiven)
    assert [(e.to, e.holder) for e in reminders] == [(A, J)]  # type: ignore[attr-defined]
    assert r.judge.calls[0][1] == "You felt hurt and alone when I came home late."


# --- reflect: retries, move on, "did that feel right?" -----------------------------------------


def test_reflection_retries_then_lands() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.invite", [Line(J, "You were upset I was late.", 2.0)])
    cues.insert(cues.index(("reflect.check", [Line(None, "Yes.", 0.5)])),
                ("reflect.coaching", [Line(J, "You felt hurt and alone because I didn't call.", 3.0)]))
    r = rig(cues)
    outcome = r.session.run()
    assert r.speaker.texts("reflect.coaching") == ["Try saying what they felt."]
    assert outcome.summary.reflections_first_time == 1 and outcome.summary.reflections_after_retries == 1


def test_reflection_moves_on_kindly_after_two_retries() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.invite", [Line(J, "You were upset I was late.", 2.0)])
    at = cues.index(("reflect.check", [Line(None, "Yes.", 0.5)]))
    cues.insert(at, ("reflect.coaching", [Line(J, "You were annoyed.", 1.5)]))
    cues.insert(at, ("reflect.coaching", [Line(J, "You didn't like it.", 1.5)]))
    r = rig(cues)
    outcome = r.session.run()
    assert r.speaker.ids.count("reflect.coaching") == 2  # max_reflection_retries
    assert r.speaker.texts("reflect.move_on")[0].startswith("Thank you for trying, Jo.")
    assert outcome.summary.reflections_not_landed == 1
    # The sharer is still asked whether it felt right.
    assert r.speaker.ids.index("reflect.check") > r.speaker.ids.index("reflect.move_on")


def test_sharer_says_what_was_missed_and_the_listener_mirrors_again() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.check", [Line(None, "Not quite.", 0.7)])
    at = cues.index(("acknowledge.invite", [Line(J, "It must have hurt, and I had a part in it.", 3.0)]))
    cues[at:at] = [
        ("reflect.what_missed", [Line(A, "I felt scared too, not only hurt.", 2.5)]),
        ("reflect.again", [Line(J, "You felt scared as well as hurt.", 2.0)]),
        ("reflect.check", [Line(None, "Yes, that's it.", 0.8)]),
    ]
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.judge.calls[1] == ("I felt scared too, not only hurt.", "You felt scared as well as hurt.")
    assert r.speaker.texts("reflect.what_missed")[0] == "What did Jo miss? Tell them just that part."


def test_silent_listener_is_gently_waited_for() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.invite", [SILENCE])
    cues.insert(cues.index(("reflect.check", [Line(None, "Yes.", 0.5)])),
                ("reflect.waiting", [Line(J, REFLECT_J, 4.0)]))
    r = rig(cues)
    assert r.session.run().kind is OutcomeKind.COMPLETE
    assert r.speaker.ids.count("reflect.waiting") == 1


def test_a_judge_that_always_misses_still_lets_the_session_finish() -> None:
    r = rig(whole_session(), judge=FakeJudge(must="zzz"))
    cues_extra = [("reflect.coaching", [Line(J, "You were sad.", 1.5)])] * 2 + \
        [("reflect.coaching", [Line(A, "You were sad.", 1.5)])] * 2
    r.room.cues.extend(cues_extra)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.COMPLETE
    assert outcome.summary.reflections_not_landed == 2


# --- reconnect ---------------------------------------------------------------------------------


def test_not_complete_offers_another_round_with_that_person_first() -> None:
    cues = opening() + first_is(A) + turn(A, J, SHARE_A, REFLECT_J) + switch_turn(J, A, SHARE_J, REFLECT_A)
    cues += [
        ("reconnect.ask", [Line(None, "Yes.", 0.5)]),
        ("reconnect.ask", [Line(None, "Not quite.", 0.6)]),
        ("reconnect.options", [Line(None, "Another round, please.", 1.0)]),
        ("reconnect.another_round", [Line(J, "I still feel tense about the weekend.", 3.0),
                                     Line(None, "That's all.", 0.6)]),
    ]
    cues += turn(J, A, "x", REFLECT_A)[1:] + switch_turn(A, J, SHARE_A, REFLECT_J) + closing()
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.COMPLETE
    assert r.speaker.texts("reconnect.another_round") == [
        "Alright, another round. Jo will share first this time."]
    assert outcome.state.round == 2


def test_not_complete_and_a_break_agrees_a_time_and_resumes_at_consent() -> None:
    cues = opening() + first_is(A) + turn(A, J, SHARE_A, REFLECT_J) + switch_turn(J, A, SHARE_J, REFLECT_A)
    cues += [
        ("reconnect.ask", [Line(None, "No.", 0.5)]),
        ("reconnect.ask", [Line(None, "Yes.", 0.6)]),
        ("reconnect.options", [Line(None, "I think we need a break.", 1.2)]),
        ("later.ask_time", [Line(None, "After dinner.", 1.0)]),
    ]
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.BREAK
    assert "reconnect.break" in r.speaker.ids
    assert outcome.state.step is Step.CONSENT and outcome.state.round == 2
    assert outcome.state.return_at == "after dinner"


def test_a_mirroring_never_confirmed_is_counted_as_moved_on_from() -> None:
    cues = whole_session()
    cues = _replace(cues, "reflect.check", [Line(None, "Not quite.", 0.7)])
    at = cues.index(("acknowledge.invite", [Line(J, "It must have hurt, and I had a part in it.", 3.0)]))
    again = [
        ("reflect.what_missed", [Line(A, "I felt scared too, not only hurt.", 2.5)]),
        ("reflect.again", [Line(J, "You felt scared as well as hurt.", 2.0)]),
        ("reflect.check", [Line(None, "Not quite.", 0.7)]),
    ]
    cues[at:at] = again * 3  # max_check_rounds (3) "not quite"s after the first: then it moves on
    r = rig(cues)
    outcome = r.session.run()
    assert outcome.kind is OutcomeKind.COMPLETE
    assert "reflect.move_on" in r.speaker.ids and "reflect.confirmed" in r.speaker.ids  # 2nd round lands
    s = outcome.summary
    assert (s.reflections_first_time, s.reflections_after_retries, s.reflections_not_landed) == (1, 0, 1)

"""The rehearsal's core by voice (issue 15): spoken lines with pauses, two voices, a lost microphone.

A scripted room hears the person (audio, no typed turns); the facilitator and the practice partner
are two recording speakers; the judge is the real one.
"""

from __future__ import annotations

import random

from session_fakes import SILENCE, FakeBreather, Line, RecordingSpeaker, Room

from facilitator.clock import FakeClock
from facilitator.config import load_config
from facilitator.errors import DeviceError
from facilitator.mirror import mirror
from facilitator.practice import load_deck, load_rehearse_script
from facilitator.rehearsal import Rehearsal
from facilitator.script import load_script
from facilitator.sessionlog import DeviceEvent, PromptSpoken, ReflectionJudged


def said(text: str) -> Line:
    return Line(None, text, duration_s=2.0, voice=True)


def build(cues: list, seed: int = 5):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    room = Room(clock, cues)
    facilitator = RecordingSpeaker(room, clock)
    partner = RecordingSpeaker(room, clock)
    breather = FakeBreather(clock)
    script = load_rehearse_script(load_script(None))
    rehearsal = Rehearsal(script, load_config(None), facilitator, room, breather, clock, partner=partner,
                          deck=load_deck(), rng=random.Random(seed))
    return rehearsal, room, facilitator, partner, breather


def deck_order(seed: int) -> list[str]:
    deck = list(load_deck())
    random.Random(seed).shuffle(deck)
    return [item.text for item in deck]


def test_a_spoken_rehearsal_with_pauses_breathing_and_a_practice_partner() -> None:
    first = deck_order(5)[0]
    back = mirror(first).content  # a listener who says back the feelings and what happened
    rehearsal, room, facilitator, partner, breather = build([
        ("rehearse.breathe_offer", [said("yes please")]),
        ("share.invite", [said("When you forgot my birthday"), SILENCE, said("yes"),
                          said("I felt hurt and a bit invisible"), SILENCE]),
        ("share.more", [SILENCE]),  # a long silence after "is there more?": the gentle nudge
        ("share.unsure", [said("no, that's all")]),
        ("rehearse.reflection", [said("yes, that's right")]),
        ("rehearse.again_offer", [said("no thanks")]),
        ("rehearse.listen_offer", [said("yes")]),
        ("rehearse.listen_your_turn", [said(back)]),
        ("rehearse.another_share", [said("stop")]),
    ])
    result = rehearsal.run()
    assert breather.calls  # the breathing was led
    reflection = facilitator.texts("rehearse.reflection")[0]
    assert "when they forgot your birthday" in reflection
    assert "hurt" in reflection and "invisible" in reflection
    assert facilitator.ids.index("share.more") < facilitator.ids.index("share.unsure")
    # the partner's words come only from the partner's voice, the facilitator's only from its own
    assert partner.texts("partner.share") == [first]
    assert partner.texts("partner.heard")
    assert not any(pid.startswith("partner.") for pid in facilitator.ids)
    assert len(room.ignored) >= len(facilitator.said) + len(partner.said)  # half-duplex after each voice
    assert result.stopped and result.shares == 1 and result.landed == 1 and result.listened == 1
    assert set(result.feelings) == {"hurt", "invisible"}
    judged = result.log.of_type(ReflectionJudged)
    assert [event.accepted for event in judged] == [True]
    prompts = [event.prompt_id for event in result.log.of_type(PromptSpoken)]
    assert "partner.share" in prompts and prompts[-1] == "rehearse.goodbye"


def test_a_lost_microphone_during_the_share_starts_the_share_again() -> None:
    rehearsal, room, facilitator, _partner, _breather = build([
        ("rehearse.breathe_offer", [said("skip")]),
        ("share.invite", [DeviceError("the microphone went away"), said("hello")]),
        ("share.invite", [said("I felt lonely at the party when you left early"), said("that's it")]),
        ("share.more", [said("no")]),
        ("rehearse.reflection", [said("yes")]),
        ("rehearse.again_offer", [said("no")]),
        ("rehearse.listen_offer", [said("no")]),
    ])
    result = rehearsal.run()
    assert facilitator.ids.count("share.invite") == 2
    assert "device.lost" in facilitator.ids and "device.back" in facilitator.ids
    assert [event.what for event in result.log.of_type(DeviceEvent)] == ["lost", "back"]
    assert not result.stopped and result.shares == 1 and result.confirmed == 1
    assert "lonely" in facilitator.texts("rehearse.reflection")[0]

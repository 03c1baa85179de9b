"""Rehearsing alone (issue 15): practise the share and hear it reflected, and practise listening.

One person, by voice or typed. It opens with a welcome, the session's safety note and an offer of
breathing (skippable); the share is heard with the session's own share step (its patience, "is
there more?", one gentle I-language tip); the facilitator reflects it back (facilitator.mirror)
and checks; "not quite" asks what it missed and reflects again; a second try gets a brief, true
note on what came through more clearly. Listening practice: a practice partner with a voice of
its own says a share from the deck, the person says it back, the judge coaches a clear miss and
the partner says whether it felt heard. It ends with a short summary, spoken and shown.

``Rehearsal`` is a ``Session``: listening, voice commands, breathing breaks, a lost microphone,
the event log and the kept transcript all work as in a session, through the same ports. No device
or model library is imported here.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facilitator.audio import Audio
from facilitator.config import Config
from facilitator.errors import InputError
from facilitator.mirror import Reflection, mirror, mirror_again
from facilitator.ports import Breather, Clock, Listener, Speaker
from facilitator.practice import PracticeShare, clearer, join_words, named_feelings, times
from facilitator.script import Script
from facilitator.session import Judge, OutcomeKind, Session, _Finished, _RestartStep
from facilitator.sessionlog import Completed, PromptSpoken, ReflectionJudged, SessionLog, StepEntered
from facilitator.state import SessionState
from facilitator.turns import Answer, parse_answer, words

YOU = "You"
PARTNER = "your partner"
MAX_TRIES = 3
"""Tries of one's own share (the first and up to two more)."""


class NoVoices:
    """The VoiceBook of a rehearsal: one person, so no voice is learnt or told apart."""

    def has(self, name: str) -> bool:
        """Always True: nothing to learn."""
        return True

    def enroll(self, name: str, audio: Audio) -> None:
        """Nothing to learn."""

    def use(self, names: tuple[str, str]) -> None:
        """Nothing to tell apart."""


@dataclass(frozen=True)
class RehearsalResult:
    """What ``Rehearsal.run`` returns: the summary's figures and the event log."""

    stopped: bool
    """Ended by "stop" (or the input ending) rather than by choice at the end."""
    shares: int
    """Tries of the person's own share."""
    feelings: tuple[str, ...]
    """The feelings they named, as said, one per family, over all tries."""
    confirmed: int
    """Reflections of their share they said were right."""
    listened: int
    """Practice shares they reflected back."""
    landed: int
    """Of those, the ones whose reflection the judge accepted."""
    log: SessionLog


class Rehearsal(Session):
    """A rehearsal for one person, driven through the session's ports.

    Args:
        script: the session's script with the rehearsal's laid over it (``practice.load_rehearse_script``).
        config, speaker, listener, breather, clock: as for a Session.
        partner: the practice partner's voice (a second Speaker, distinct from ``speaker``).
        deck: the practice shares.
        listen_only: go straight to listening practice (``--listen``).
        partner_name: said instead of "they" in the facilitator's reflections (``--partner``).
        judge: the reflect-back judge (default facilitator.reflection.judge).
        rng: picks the order of the practice shares.
        log, transcript: as for a Session (nothing is kept unless ``transcript`` is given).
    """

    def __init__(self, script: Script, config: Config, speaker: Speaker, listener: Listener,
                 breather: Breather, clock: Clock, *, partner: Speaker, deck: tuple[PracticeShare, ...],
                 listen_only: bool = False, partner_name: str | None = None, judge: Judge | None = None,
                 rng: random.Random | None = None, log: SessionLog | None = None,
                 transcript: Path | None = None) -> None:
        super().__init__(script, config, speaker, listener, breather, NoVoices(), clock, judge=judge, log=log,
                         transcript=transcript)
        self.state = SessionState(names=(YOU, PARTNER), first=YOU)
        self.partner = partner
        self.deck = list(deck)
        (rng or random.Random()).shuffle(self.deck)
        self.listen_only = listen_only
        self.partner_name = partner_name
        self._tries: list[str] = []
        self._feelings: dict[str, str] = {}
        self._confirmed = 0
        self._listened = 0
        self._landed = 0

    # --- running -------------------------------------------------------------------------------

    def run(self) -> RehearsalResult:  # type: ignore[override]
        """Run to the end or to "stop"; the summary is said and returned. Ctrl-C propagates."""
        self._t0 = self.clock.monotonic_s()
        stopped = False
        try:
            try:
                self._phase("welcome", self._welcome_one)
                if not self.listen_only:
                    self._phase("breathe", self._offer_breathing)
                    self._phase("share", self._practise_share)
                    self._phase("listen_offer", self._offer_listening)
                if self.listen_only:
                    self._phase("listen", self._practise_listening)
            except _Finished:
                stopped = True
            except EOFError:
                stopped = True  # the typed input ended: like "stop"
            try:
                self._summary()
            except (_Finished, EOFError):
                pass
        finally:
            self._write_transcript()
        self.log.append(Completed(self._now(), "stopped" if stopped else "complete", "rehearse"))
        return RehearsalResult(stopped, len(self._tries), tuple(self._feelings.values()), self._confirmed,
                               self._listened, self._landed, self.log)

    def _phase(self, name: str, body: Callable[[], None]) -> None:
        """Run one part; after a breathing break (or a lost microphone) it starts again."""
        while True:
            self.log.append(StepEntered(self._now(), f"rehearse.{name}", len(self._tries), YOU, PARTNER))
            try:
                body()
                return
            except _RestartStep:
                continue

    def _welcome_one(self) -> None:
        self._say("rehearse.hello")
        self._say("welcome.safety")
        self._say("rehearse.privacy")
        self._say("welcome.commands")

    def _offer(self, prompt_id: str, unclear_id: str, default: bool = False) -> bool:
        """Ask a yes/no offer; "skip" is a no; after the session's attempts, ``default``."""
        self._say(prompt_id)
        for attempt in range(self.cfg.answer_attempts):
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            text = heard.text if heard is not None else ""
            answer = Answer.NO if "skip" in words(text) else parse_answer(text)
            if answer is Answer.YES:
                return True
            if answer in (Answer.NO, Answer.NOT_YET):
                return False
            if attempt < self.cfg.answer_attempts - 1:
                self._say(unclear_id)
        return default

    def _offer_listening(self) -> None:
        self.listen_only = self._offer("rehearse.listen_offer", "rehearse.listen_offer")

    def _offer_breathing(self) -> None:
        if self._offer("rehearse.breathe_offer", "rehearse.breathe_unclear"):
            self._regulate()  # the session's step 1, worded for one person
        else:
            self._say("rehearse.breathe_skipped")

    # --- practising the share ------------------------------------------------------------------

    def _practise_share(self) -> None:
        while len(self._tries) < MAX_TRIES:
            tips = self._tips()
            self._share_once()
            if len(self._tries) > 1:
                self._name_what_came_through()
            if len(self._tries) >= MAX_TRIES:
                return
            if self._tips() == tips:
                # No hand-off brought the I-language tip during the share (it ended on a silence and
                # a "no"): offer it now, once, before the offer to say it again.
                tip = self.coach(self._tries[-1]) if self._tries else None
                if tip:
                    self._speak("share.coaching", tip)
            if not self._offer("rehearse.again_offer", "rehearse.again_offer"):
                return

    def _tips(self) -> int:
        """How many I-language tips were said so far."""
        return sum(1 for e in self.log.of_type(PromptSpoken)
                   if isinstance(e, PromptSpoken) and e.prompt_id == "share.coaching")

    def _share_once(self) -> None:
        """One try: the session's share step, then the facilitator's reflection and its check."""
        self.state = dataclasses.replace(self.state, round=len(self._tries), turn=0)
        self._share()  # invitation, patience, "is there more?", one I-language tip
        share = self.share_text
        if not share.strip():
            self._speak("rehearse.reflection", self.script.line("rehearse.nothing_heard"))
            return
        self._tries.append(share)
        for family, said in named_feelings(share):
            self._feelings.setdefault(family, said)
        reflection = self._reflection(share)
        if reflection is None:
            return
        checks = 0
        while True:
            answer = self._check()
            if answer is Answer.YES:
                self._confirmed += 1
                self._say("rehearse.landed")
                return
            checks += 1
            if checks > self.cfg.max_check_rounds:
                self._say("rehearse.move_on")
                return
            self._say("rehearse.what_missed")
            missed = self._hear_turn(YOU, PARTNER, "share.again", {})
            if not missed:
                continue
            self._share_parts.append(missed)
            for family, said in named_feelings(missed):
                self._feelings.setdefault(family, said)
            again = self._reflection(share, missed)
            if again is not None:
                reflection = again

    def _reflection(self, share: str, missed: str | None = None) -> Reflection | None:
        """Say the facilitator's reflection; None (and a gentle word) when there was nothing to reflect."""
        try:
            reflection = (mirror(share, self.partner_name) if missed is None
                          else mirror_again(share, missed, self.partner_name))
        except InputError as exc:
            self._speak("rehearse.reflection", str(exc))
            return None
        self._speak("rehearse.reflection", reflection.text)
        return reflection

    def _check(self) -> Answer:
        """The answer to the reflection's "Did I get that?"; still unclear means yes (no one is pressed)."""
        for attempt in range(self.cfg.answer_attempts):
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            answer = parse_answer(heard.text, partly_is_not_yet=True) if heard is not None else Answer.UNCLEAR
            if answer is Answer.NO:
                answer = Answer.NOT_YET  # "no" to "did I get that?" is "not quite"
            if answer is not Answer.UNCLEAR:
                return answer
            if attempt < self.cfg.answer_attempts - 1:
                self._say("rehearse.check_unclear")
        return Answer.YES

    def _name_what_came_through(self) -> None:
        came = clearer(self._tries[0], self._tries[-1])
        if came.feelings:
            self._say("rehearse.clearer_feelings", feelings=join_words(came.feelings))
        if came.fewer_absolutes:
            self._say("rehearse.clearer_absolutes")
        if not came.anything:
            self._say("rehearse.clearer_same")

    # --- practising listening ------------------------------------------------------------------

    def _practise_listening(self) -> None:
        self._say("rehearse.listen_intro")
        while self.deck:
            practice = self.deck.pop(0)
            self._listen_once(practice)
            if not self.deck:
                self._say("rehearse.deck_done")
                return
            if not self._offer("rehearse.another_share", "rehearse.another_share"):
                return

    def _listen_once(self, practice: PracticeShare) -> None:
        self._partner_says("partner.share", practice.text)
        self._say("rehearse.listen_your_turn")
        self._listened += 1
        for attempt in range(1, self.cfg.max_reflection_retries + 2):
            said = self._hear_turn(YOU, PARTNER, "rehearse.listen_waiting", {})
            if not said.strip():  # nothing said back, even after waiting: no "I don't feel heard"
                self._say("rehearse.listen_move_on")
                self._partner_says("partner.thanks", self.script.line("partner.thanks"))
                return
            verdict = self.judge(practice.text, said)
            kind = getattr(verdict.kind, "value", verdict.kind)
            self.log.append(ReflectionJudged(self._now(), YOU, attempt, bool(verdict.accepted),
                                             float(verdict.score), str(kind)))
            if verdict.accepted:
                self._landed += 1
                self._partner_says("partner.heard", self.script.line("partner.heard"))
                return
            self._partner_says("partner.not_heard", self.script.line("partner.not_heard"))
            if attempt > self.cfg.max_reflection_retries:
                self._say("rehearse.listen_move_on")
                self._partner_says("partner.thanks", self.script.line("partner.thanks"))
                return
            if verdict.coaching and verdict.coaching.strip():
                self._speak("reflect.coaching", verdict.coaching.strip())
            else:
                self._say("rehearse.listen_try_again")

    def _partner_says(self, prompt_id: str, text: str) -> None:
        """The practice partner's voice: shown and spoken, then the microphone's catch is dropped."""
        started = self._now()
        self.partner.say(prompt_id, text)
        self.listener.ignore_pending(self.config.listening.mute_tail_s)
        self.log.append(PromptSpoken(self._now(), prompt_id, text, started))
        if self.transcript is not None:
            self._transcript_lines.append(f"[{self._stamp()}] Practice partner: {text}")

    # --- the end -------------------------------------------------------------------------------

    def _summary(self) -> None:
        for prompt_id, values in summary_lines(self.result_figures()):
            self._say(prompt_id, **values)

    def result_figures(self) -> dict[str, Any]:
        """The figures the summary speaks of."""
        return {"shares": len(self._tries), "feelings": tuple(self._feelings.values()),
                "listened": self._listened, "landed": self._landed}


def summary_lines(figures: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The summary's script lines and their values: shares practised, feelings named, reflections landed."""
    lines: list[tuple[str, dict[str, str]]] = []
    if figures["shares"]:
        lines.append(("rehearse.summary_shares", {"count": times(figures["shares"])}))
        if figures["feelings"]:
            lines.append(("rehearse.summary_feelings", {"feelings": join_words(figures["feelings"])}))
        else:
            lines.append(("rehearse.summary_no_feelings", {}))
    if figures["listened"] == 1:
        once = "rehearse.summary_listened_once" if figures["landed"] else "rehearse.summary_missed_once"
        lines.append((once, {}))
    elif figures["listened"]:
        lines.append(("rehearse.summary_listening", {"landed": str(figures["landed"]),
                                                     "tried": str(figures["listened"])}))
    lines.append(("rehearse.goodbye", {}))
    return lines


def format_result(result: RehearsalResult) -> str:
    """The printed summary."""
    lines = ["Rehearsal summary",
             f"  Shares practised: {result.shares}",
             f"  Feelings named: {', '.join(result.feelings) or '(none)'}"]
    if result.shares:
        lines.append(f"  Reflections of your share that felt right: {result.confirmed}")
    lines.append(f"  Your reflections that landed: {result.landed} of {result.listened}")
    return "\n".join(lines)


__all__ = ["OutcomeKind", "Rehearsal", "RehearsalResult", "format_result", "summary_lines"]

"""The repair session: walks the script through the nine steps, through the ports only.

The order (issue 6): welcome, safety and privacy; names and voices; consent from both (step 3);
regulate (1); positive intent (2); who goes first (4); share (5); reflect (6); acknowledge (7);
reassure (8); switch roles and 5-8 again; reconnect (9). Voice commands work at any time.

Everything the session touches is injected: a Speaker, a Listener, a Breather, a VoiceBook, a
Clock, and the reflection judge and share coach as plain callables. No device or model library is
imported here (the CLI is the composition root).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from facilitator.config import Config
from facilitator.errors import DeviceError, InputError
from facilitator.events import Heard
from facilitator.overlap import turn_rules
from facilitator.paths import write_private
from facilitator.ports import Breather, Clock, Listener, Speaker, VoiceBook
from facilitator.script import Script
from facilitator.sessionlog import (
    BreakTaken,
    CommandHeard,
    Completed,
    DeviceEvent,
    PromptSpoken,
    ReflectionJudged,
    ReminderGiven,
    SessionLog,
    StepEntered,
    TurnDecided,
    UtteranceHeard,
)
from facilitator.state import SessionState, StateStore, Step
from facilitator.summary import Summary, summarize
from facilitator.turns import (
    Answer,
    Choice,
    Command,
    Floor,
    Overlap,
    Pick,
    is_handoff,
    parse_answer,
    parse_command,
    parse_first,
    parse_name,
    parse_round_or_break,
    words,
)


class VerdictLike(Protocol):
    """What the session reads of the reflection judge's Verdict (facilitator.reflection)."""

    @property
    def accepted(self) -> bool:
        """Whether the reflection landed."""
        ...

    @property
    def score(self) -> float:
        """0-1."""
        ...

    @property
    def coaching(self) -> str | None:
        """A short invitation to try again, when not accepted."""
        ...

    @property
    def kind(self) -> Any:
        """The reason (a str Enum)."""
        ...


Judge = Callable[[str, str], VerdictLike]
"""``judge(share, reflection) -> Verdict`` (facilitator.reflection.judge)."""
Coach = Callable[[str], "str | None"]
"""``share_coaching(share) -> str | None`` (facilitator.coaching.share_coaching): an I-language tip."""


class OutcomeKind(enum.Enum):
    """How a session ended."""

    COMPLETE = "complete"
    """Both felt complete; the invitation to reconnect was given."""
    NOT_YET = "not_yet"
    """One of them said "not yet" or "no" at consent; a time to come back may be agreed."""
    BREAK = "break"
    """Not complete, and they chose a break with a time to return."""
    STOPPED = "stopped"
    """Someone said "stop" (or typed input ended); ``--resume`` continues at the same step."""


@dataclass(frozen=True)
class Outcome:
    """What ``Session.run`` returns."""

    kind: OutcomeKind
    state: SessionState
    """The final state (also saved, when the session has a store)."""
    summary: Summary
    log: SessionLog


class Pacing(Protocol):
    """Optional on a Speaker: speak more slowly after the "slower" command."""

    def slower(self) -> None:
        """Lower the speaking rate one notch."""
        ...


class _RestartStep(Exception):
    """Go back to the start of the current step (after a breathing break or a lost microphone)."""


class _Finished(Exception):
    def __init__(self, kind: OutcomeKind) -> None:
        super().__init__(kind.value)
        self.kind = kind


class _SharePhase(enum.Enum):
    """Where a share stands.

    The sharer holds the floor; or "is there more?" was asked; or, after a silence to that, the
    gentle "take your time" was said.
    """

    SPEAKING = "speaking"
    ASKED_MORE = "asked_more"
    NUDGED = "nudged"


_NUDGE_PATIENCE = 3.0
"""After "take your time", wait this many answer timeouts before asking "is there more?" again."""
_MAX_ENROL_TRIES = 3
_SLOWER_STEP = 1.25
_MAX_PACE = 2.0


def default_judge(share: str, reflection: str) -> VerdictLike:
    """The reflection judge of facilitator.reflection, imported when first needed."""
    from facilitator.reflection import judge

    return judge(share, reflection)


def default_coach(share: str) -> str | None:
    """The share coach of facilitator.coaching, imported when first needed."""
    from facilitator.coaching import share_coaching

    return share_coaching(share)


class Session:
    """One repair session for two people, driven through the ports.

    Args:
        script: the words (``load_script()``).
        config: all settings; ``config.session`` holds the flow's timing and patience.
        speaker: shows and speaks each prompt.
        listener: utterances heard in the room (or typed).
        breather: leads the breathing of step 1 and of breaks.
        voices: learns and reuses the two voices.
        clock: time (a FakeClock in tests).
        judge: ``judge(share, reflection) -> Verdict``; default facilitator.reflection.judge.
        coach: ``coach(share) -> str | None``; default facilitator.coaching.share_coaching.
        log: where events go (a new SessionLog if None); also on ``Outcome.log``.
        store: where the state is saved after each step (None: nothing saved).
        resume: a saved state to continue at its step (``--resume``).
        return_at: a time to come back agreed last time, mentioned in the welcome.
        transcript: a file to keep the words in (``--keep-transcript``); None keeps no words.
    """

    def __init__(
        self,
        script: Script,
        config: Config,
        speaker: Speaker,
        listener: Listener,
        breather: Breather,
        voices: VoiceBook,
        clock: Clock,
        *,
        judge: Judge | None = None,
        coach: Coach | None = None,
        log: SessionLog | None = None,
        store: StateStore | None = None,
        resume: SessionState | None = None,
        return_at: str | None = None,
        transcript: Path | None = None,
    ) -> None:
        self.script = script
        self.config = config
        self.cfg = config.session
        self.speaker = speaker
        self.listener = listener
        self.breather = breather
        self.voices = voices
        self.clock = clock
        self.judge: Judge = judge or default_judge
        self.coach: Coach = coach or default_coach
        self.log = log if log is not None else SessionLog()
        self.store = store
        self.resuming = resume is not None
        self.state = resume if resume is not None else SessionState()
        if transcript is not None:
            self.state = dataclasses.replace(self.state, transcript_path=str(transcript))
        self.return_at = return_at
        self.transcript = transcript
        self._transcript_lines: list[str] = []
        self.rules = turn_rules(self.cfg)
        self._t0 = clock.monotonic_s()
        self._elapsed_before = self.state.elapsed_s
        self._pace = 1.0
        self._paused = False
        self._last: tuple[str, str] | None = None
        self._share_parts: list[str] = []
        """The current sharer's words, kept in memory only for the judge and the coach."""
        self._share_key: tuple[int, int] | None = None
        self._typed = bool(getattr(listener, "typed", False))
        """A typed-mode listener: each line is a whole turn, and silence never passes on its own."""

    # --- running -------------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Run to the end (or to a "not yet", a break, or "stop") and return the outcome.

        Ctrl-C and a microphone that does not come back save the state (step included) first,
        then propagate (KeyboardInterrupt, DeviceError), so ``--resume`` continues at that step.
        """
        self._t0 = self.clock.monotonic_s()
        kind: OutcomeKind | None = None
        try:
            try:
                try:
                    self._opening()
                except _RestartStep:
                    pass  # the microphone came back during the welcome back: go on to the step
                while self.state.step is not Step.DONE:
                    self._enter(self.state.step)
                    try:
                        self._run_step(self.state.step)
                    except _RestartStep:
                        continue
                kind = OutcomeKind.COMPLETE
            except _Finished as finished:
                kind = finished.kind
            except EOFError:
                kind = OutcomeKind.STOPPED  # the input ended: keep the place, like "stop"
        except BaseException:
            self._save()
            self._write_transcript()
            raise
        self.state = dataclasses.replace(self.state, outcome=kind.value)
        self._save()
        self._write_transcript()
        self.log.append(Completed(self._now(), kind.value, self.state.step.value))
        return Outcome(kind, self.state, summarize(self.state), self.log)

    def _run_step(self, step: Step) -> None:
        handlers: dict[Step, Callable[[], None]] = {
            Step.WELCOME: self._welcome,
            Step.NAMES: self._names,
            Step.CONSENT: self._consent,
            Step.REGULATE: self._regulate,
            Step.INTENT: self._intent,
            Step.FIRST: self._first,
            Step.SHARE: self._share,
            Step.REFLECT: self._reflect,
            Step.ACKNOWLEDGE: self._acknowledge,
            Step.REASSURE: self._reassure,
            Step.RECONNECT: self._reconnect,
        }
        handlers[step]()

    def _opening(self) -> None:
        """On resume: welcome back, relearn missing voices, and fix a step that needs lost words."""
        if not self.resuming:
            return
        self.state = dataclasses.replace(self.state, outcome=None)
        if self.state.step is Step.WELCOME:
            return
        self._say("welcome.resume")
        if self.state.return_at:
            self._say("welcome.return_reminder", time=self.state.return_at)
        if len(self.state.names) != 2:
            self._goto(Step.NAMES)
            return
        self._ensure_voices()
        roles_needed = {Step.SHARE, Step.REFLECT, Step.ACKNOWLEDGE, Step.REASSURE}
        if self.state.step in roles_needed and self.state.sharer is None:
            self._goto(Step.FIRST)
        elif self.state.step is Step.REFLECT:
            # The share's words were never saved (privacy), so the judge would have nothing to
            # compare with: hear the share again.
            self._goto(Step.SHARE)

    def _enter(self, step: Step) -> None:
        self.log.append(
            StepEntered(self._now(), step.value, self.state.round, self.state.sharer, self.state.listener)
        )
        self._save()

    def _goto(self, step: Step, **changes: Any) -> None:
        self.state = dataclasses.replace(self.state, step=step, **changes)

    def _finish(self, kind: OutcomeKind, step: Step, **changes: Any) -> None:
        self._goto(step, **changes)
        raise _Finished(kind)

    # --- the steps -----------------------------------------------------------------------------

    def _welcome(self) -> None:
        self._say("welcome.hello")
        self._say("welcome.safety")
        self._say("welcome.privacy")
        if self.return_at:
            self._say("welcome.return_reminder", time=self.return_at)
        self._say("welcome.commands")
        self._goto(Step.NAMES, return_at=None)

    def _names(self) -> None:
        names: list[str] = []
        self._say("names.ask_first")
        while len(names) < 2:
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            if heard is None:
                self._repeat_last()
                continue
            name = parse_name(heard.text)
            if name is None and heard.speaker and heard.audio.size == 0:
                name = heard.speaker  # typed mode: "Alex: hello" names the speaker
            if name is None:
                self._say("names.unclear")
                continue
            if name.lower() in (n.lower() for n in names):
                self._say("names.same")
                continue
            self._learn_voice(name, heard)
            names.append(name)
            if len(names) == 1:
                self._say("names.ask_second", name=name)
        pair = (names[0], names[1])
        self.voices.use(pair)
        self._say("names.ready", a=pair[0], b=pair[1])
        self._goto(Step.CONSENT, names=pair)

    def _learn_voice(self, name: str, heard: Heard) -> None:
        if heard.audio.size == 0:
            self._say("names.thanks", name=name)  # typed mode: no voice to learn
            return
        if self.voices.has(name):
            # A returning voice is refreshed quietly; speech too short or unlike the stored
            # voice leaves the old voiceprint as it was, without troubling anyone.
            try:
                self.voices.enroll(name, heard.audio)
            except InputError:
                pass
            self._say("names.known", name=name)
            return
        audio = heard.audio
        for attempt in range(_MAX_ENROL_TRIES):
            try:
                self.voices.enroll(name, audio)
            except InputError:
                if attempt == _MAX_ENROL_TRIES - 1:
                    raise
                self._say("names.more_voice", name=name)
                more = self._hear(self._wait(self.cfg.answer_timeout_s))
                if more is not None and more.audio.size:
                    audio = np.concatenate([audio, more.audio])
                continue
            self._say("names.enrolled", name=name)
            return

    def _ensure_voices(self) -> None:
        """On resume: relearn any voice the voice book no longer has, then use the pair."""
        for name in self.state.names:
            if self.voices.has(name):
                continue
            self._say("names.relearn", name=name)
            heard = None
            while heard is None:
                heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            self._learn_voice(name, heard)
        self.voices.use((self.state.names[0], self.state.names[1]))

    def _consent(self) -> None:
        for name in self.state.names:
            answer = self._ask_yes_no("consent.ask", "consent.unclear", name=name)
            if answer is not Answer.YES:
                # One "not yet" is enough: the other is not asked, so no one is pressed.
                self._say("consent.not_yet")
                return_at = self._agree_time()
                self._finish(OutcomeKind.NOT_YET, Step.CONSENT, return_at=return_at)
        self._say("consent.both_yes")
        self._goto(Step.REGULATE, return_at=None)

    def _agree_time(self) -> str | None:
        self._say("later.ask_time")
        heard = self._hear(self._wait(self.cfg.answer_timeout_s))
        time = time_phrase(heard.text) if heard is not None else None
        if time is None:
            self._say("later.no_time")
        else:
            self._say("later.time_back", time=time)
        self._say("later.goodbye")
        return time

    def _regulate(self) -> None:
        self._say("regulate.intro")
        finished = self.breather.breathe(self.config.breathing.pattern, self.config.breathing.minutes)
        self.listener.ignore_pending(self.config.listening.mute_tail_s)
        self._say("regulate.done" if finished else "regulate.cut_short")
        self._goto(Step.INTENT)

    def _intent(self) -> None:
        self._say("intent.reminder")
        self._quiet(self.cfg.positive_intent_quiet_s)
        self._say("intent.after")
        self._goto(Step.FIRST)

    def _first(self) -> None:
        a, b = self.state.names
        self._say("first.ask")
        for _ in range(self.cfg.answer_attempts + 1):
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            if heard is None:
                self._repeat_last()
                continue
            choice = parse_first(heard.text, heard.speaker, (a, b))
            if choice.pick is Pick.PERSON and choice.name is not None:
                self._goto(Step.SHARE, first=choice.name, turn=0)
                self._say("first.chosen", sharer=self._sharer(), listener=self._listener())
                return
            if choice.pick in (Pick.BOTH, Pick.NEITHER):
                self._say("first.suggest")
            else:
                self._say("first.unclear", a=a, b=b)
        self._goto(Step.SHARE, first=a, turn=0)
        self._say("first.default", sharer=self._sharer(), listener=self._listener())

    def _share(self) -> None:
        sharer, listener = self._sharer(), self._listener()
        key = (self.state.round, self.state.turn)
        if self._share_key != key:
            self._share_key, self._share_parts = key, []
        roles = {"sharer": sharer, "listener": listener}
        self._say("share.again" if self._share_parts else "share.invite", **roles)
        floor = Floor(sharer, listener, self.rules)
        coached = False
        phase = _SharePhase.SPEAKING
        while True:
            heard = self._hear(self._wait(self._share_silence_s(phase)))
            if heard is None:
                # A long silence: emotional sharing has long pauses, so ask, never end the turn;
                # after the gentle nudge, wait longer before asking again (no nagging).
                if phase is _SharePhase.ASKED_MORE:
                    self._say("share.unsure", **roles)
                    phase = _SharePhase.NUDGED
                else:
                    self._say("share.more", **roles)
                    phase = _SharePhase.ASKED_MORE
                continue
            if not self._on_floor(floor, heard):
                continue
            text = heard.text.strip()
            if phase is not _SharePhase.SPEAKING:
                answer = parse_answer(text)
                if answer is Answer.NO:
                    break
                phase = _SharePhase.SPEAKING
                if answer is Answer.YES and len(words(text)) <= 3:
                    continue  # "yes" alone: they will go on
            if text:
                self._share_parts.append(text)
            if is_handoff(text):
                tip = None if coached else self.coach(self.share_text)
                coached = True  # at most once per share
                if tip:
                    self._speak("share.coaching", tip)
                    continue
                self._say("share.more", **roles)
                phase = _SharePhase.ASKED_MORE
        self._say("share.done", **roles)
        self._goto(Step.REFLECT)

    def _share_silence_s(self, phase: _SharePhase) -> float:
        if phase is _SharePhase.SPEAKING:
            return self.cfg.long_silence_s
        if phase is _SharePhase.ASKED_MORE:
            return self.cfg.answer_timeout_s
        return self.cfg.answer_timeout_s * _NUDGE_PATIENCE

    @property
    def share_text(self) -> str:
        """The current share's words so far (memory only; never saved unless the transcript is kept)."""
        return " ".join(self._share_parts)

    def _reflect(self) -> None:
        sharer, listener = self._sharer(), self._listener()
        roles = {"sharer": sharer, "listener": listener}
        target = self.share_text
        self._say("reflect.invite", **roles)
        checks = 0
        tried_again, moved_on = False, self.state.reflections_not_landed
        while True:
            tried_again = self._mirror(target, sharer, listener) or tried_again
            answer = self._ask_yes_no("reflect.check", "reflect.check", default=Answer.YES, partly=True,
                                      **roles)
            if answer is Answer.YES:
                field = "reflections_after_retries" if tried_again or checks else "reflections_first_time"
                if self.state.reflections_not_landed == moved_on:  # "moved on from" is counted already
                    self.state = dataclasses.replace(self.state, **{field: getattr(self.state, field) + 1})
                self._say("reflect.confirmed", **roles)
                break
            checks += 1
            if checks > self.cfg.max_check_rounds:
                if self.state.reflections_not_landed == moved_on:  # never confirmed: moved on from
                    self.state = dataclasses.replace(
                        self.state, reflections_not_landed=self.state.reflections_not_landed + 1)
                self._say("reflect.move_on", **roles)
                break
            self._say("reflect.what_missed", **roles)
            missed = self._hear_turn(sharer, listener, "share.again", roles)
            if missed:
                target = missed
                self._share_parts.append(missed)
            self._say("reflect.again", **roles)
        self._goto(Step.ACKNOWLEDGE)

    def _mirror(self, target: str, sharer: str, listener: str) -> bool:
        """One mirroring: the listener says it back, with up to max_reflection_retries invitations.

        Only a clear miss is coached; a reflection, or an unsure one, goes straight to the sharer's
        check. Returns whether the listener was coached.
        """
        roles = {"sharer": sharer, "listener": listener}
        retries = 0
        while True:
            reflection = self._hear_turn(listener, sharer, "reflect.waiting", roles)
            verdict = self.judge(target, reflection)
            kind = getattr(verdict.kind, "value", verdict.kind)
            self.log.append(
                ReflectionJudged(self._now(), listener, retries + 1, bool(verdict.accepted),
                                 float(verdict.score), str(kind))
            )
            action = getattr(verdict, "action", None)  # issue 14: "coach" | "ask_sharer"
            if (verdict.accepted if action is None else str(action) != "coach"):
                return retries > 0
            if retries >= self.cfg.max_reflection_retries:
                self.state = dataclasses.replace(
                    self.state, reflections_not_landed=self.state.reflections_not_landed + 1
                )
                self._say("reflect.move_on", **roles)
                return True
            retries += 1
            self.state = dataclasses.replace(self.state,
                                             reflections_coached=self.state.reflections_coached + 1)
            if verdict.coaching and verdict.coaching.strip():
                self._speak("reflect.coaching", verdict.coaching.strip())
            else:
                self._say("reflect.try_again", **roles)

    def _acknowledge(self) -> None:
        roles = {"sharer": self._sharer(), "listener": self._listener()}
        self._say("acknowledge.invite", **roles)
        self._hear_turn(roles["listener"], roles["sharer"], "acknowledge.waiting", roles)
        self._say("acknowledge.thanks", **roles)
        self._goto(Step.REASSURE)

    def _reassure(self) -> None:
        roles = {"sharer": self._sharer(), "listener": self._listener()}
        self._say("reassure.invite", **roles)
        self._hear_turn(roles["listener"], roles["sharer"], "reassure.waiting", roles)
        self._say("reassure.thanks", **roles)
        if self.state.turn == 0:
            self._goto(Step.SHARE, turn=1)
            self._say("switch.roles", sharer=self._sharer(), listener=self._listener())
        else:
            self._goto(Step.RECONNECT)

    def _reconnect(self) -> None:
        not_complete = [
            name for name in self.state.names
            if self._ask_yes_no("reconnect.ask", "reconnect.unclear", name=name) is not Answer.YES
        ]
        if not not_complete:
            self._say("reconnect.invite")
            self._say("reconnect.goodbye")
            self._goto(Step.DONE)
            return
        self._say("reconnect.options")
        choice = Choice.UNCLEAR
        for _ in range(self.cfg.answer_attempts):
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            choice = parse_round_or_break(heard.text) if heard is not None else Choice.UNCLEAR
            if choice is not Choice.UNCLEAR:
                break
            self._say("reconnect.options_unclear")
        if choice is Choice.ROUND:
            first = not_complete[0]
            self._goto(Step.SHARE, round=self.state.round + 1, turn=0, first=first)
            self._say("reconnect.another_round", sharer=self._sharer(), listener=self._listener())
            return
        self._say("reconnect.break")
        self._record_break("later", 20.0)
        return_at = self._agree_time()
        # Coming back means a new round: consent again, breathe, and choose who starts.
        self._finish(OutcomeKind.BREAK, Step.CONSENT, round=self.state.round + 1, turn=0, first=None,
                     return_at=return_at)

    # --- listening -----------------------------------------------------------------------------

    def _ask_yes_no(
        self, prompt_id: str, unclear_id: str, default: Answer = Answer.NOT_YET, partly: bool = False,
        **values: str,
    ) -> Answer:
        """Ask a yes/no question; after ``answer_attempts`` unclear answers, take ``default``.

        The default default is "not yet": no one is assumed to consent or to feel complete. For
        "did that feel right?" it is yes: no one is made to keep explaining.
        """
        self._say(prompt_id, **values)
        for attempt in range(self.cfg.answer_attempts):
            heard = self._hear(self._wait(self.cfg.answer_timeout_s))
            answer = (
                parse_answer(heard.text, partly_is_not_yet=partly) if heard is not None else Answer.UNCLEAR
            )
            if answer is not Answer.UNCLEAR:
                return answer
            if attempt < self.cfg.answer_attempts - 1:
                self._say(unclear_id, **values)
        return default

    def _hear_turn(self, holder: str, other: str, waiting_id: str, roles: dict[str, str]) -> str:
        """The holder's words until they hand off or pause: ``turn_confirm_s`` after a finished turn.

        Otherwise ``reflection_pause_s``. Meanwhile the other person is kept to one-at-a-time.
        """
        floor, waits, pause_s = Floor(holder, other, self.rules), 0, self.cfg.reflection_pause_s
        parts: list[str] = []
        while True:
            heard = self._hear(self._wait(pause_s if parts else self.cfg.answer_timeout_s))
            if heard is None:
                if parts or waits >= self.cfg.answer_attempts:
                    return " ".join(parts)
                waits += 1
                self._say(waiting_id, **roles)
                continue
            if not self._on_floor(floor, heard):
                continue
            if heard.text.strip():
                parts.append(heard.text.strip())
            if is_handoff(heard.text) or self._typed:
                return " ".join(parts)
            pause_s = self.cfg.turn_confirm_s if heard.turn_ended else self.cfg.reflection_pause_s

    def _on_floor(self, floor: Floor, heard: Heard) -> bool:
        """Apply the one-at-a-time policy; True when ``heard`` carries the floor holder's words.

        Unsure attributions count as the holder's (a short "that's it" is too short to attribute)
        but never bring a reminder; so does a mixed utterance that brought one.
        """
        decision = floor.decide(heard)
        if decision.overlap is not Overlap.HOLDER:
            self.log.append(
                TurnDecided(self._now(), floor.holder, heard.speaker, decision.overlap.value,
                            heard.start_s, heard.end_s)
            )
        if decision.remind:
            reminded = self.state.reminders.get(floor.other, 0) + 1
            reminders = {**self.state.reminders, floor.other: reminded}
            self.state = dataclasses.replace(self.state, reminders=reminders)
            self.log.append(ReminderGiven(self._now(), floor.other, floor.holder))
            self._say("reminder.one_at_a_time", name=floor.other, holder=floor.holder)
        if decision.overlap is Overlap.INTERRUPTION:
            # A mixed utterance (mostly the holder's, with the other voice in it) still carries the
            # holder's words; only speech that is the other person's alone is left out.
            return heard.speaker != floor.other
        # A continuer counts as the holder's words unless the other voice was recognised: a short
        # "no" too unsure to attribute may be the holder's answer.
        return decision.overlap is not Overlap.CONTINUER or heard.speaker != floor.other

    def _quiet(self, seconds: float) -> None:
        """Quiet seconds: only voice commands are acted on (typed mode just lets the time pass)."""
        if self._typed:
            self.clock.sleep_s(seconds * self._pace)
            return
        deadline = self.clock.monotonic_s() + seconds * self._pace
        while (remaining := deadline - self.clock.monotonic_s()) > 0:
            if self._hear(remaining) is None:
                return

    def _hear(self, timeout_s: float) -> Heard | None:
        """The next utterance that is not a voice command, or None after ``timeout_s`` of silence."""
        while True:
            heard = self._listen(timeout_s)
            if heard is None:
                return None
            self._note(heard)
            command = parse_command(heard.text)
            if command is None or (command is Command.RESUME and not self._paused):
                return heard
            self.log.append(CommandHeard(self._now(), command.value, heard.speaker))
            self._command(command)

    def _listen(self, timeout_s: float) -> Heard | None:
        """``listener.hear`` that survives a lost microphone: say so, wait, retry, then restart the step."""
        failures = 0
        while True:
            try:
                heard = self.listener.hear(timeout_s)
            except DeviceError as exc:
                failures += 1
                if failures == 1:
                    self.log.append(DeviceEvent(self._now(), "lost", str(exc)))
                    try:
                        self._say("device.lost")
                    except DeviceError:
                        pass  # no sound out either: the prompt was still shown on screen
                if failures > self.cfg.device_retries:
                    self.log.append(DeviceEvent(self._now(), "gave_up", str(exc)))
                    self._save()
                    raise DeviceError(
                        f"The microphone stopped working ({exc}); reconnect it and run "
                        "`facilitator session --resume` to continue at the same step."
                    ) from exc
                self.clock.sleep_s(self.cfg.device_retry_s)
                continue
            if failures:
                self.log.append(DeviceEvent(self._now(), "back", ""))
                self._say("device.back")
                raise _RestartStep  # what was said meanwhile is lost: ask again
            if heard is None and getattr(self.listener, "ended", False):
                # A finite source (a file, the demo's room) ran out: nothing more can be heard.
                raise EOFError("the audio source ended")
            return heard

    def _note(self, heard: Heard) -> None:
        keep = self.transcript is not None
        self.log.append(
            UtteranceHeard(self._now(), heard.speaker, heard.start_s, heard.end_s, len(words(heard.text)),
                           heard.text if keep else None)
        )
        if keep:
            self._transcript_lines.append(f"[{self._stamp()}] {heard.speaker or '(unsure)'}: {heard.text}")
        if heard.speaker is not None and heard.speaker in self.state.names:
            talk = dict(self.state.talk_s)
            talk[heard.speaker] = talk.get(heard.speaker, 0.0) + max(0.0, heard.duration_s)
            self.state = dataclasses.replace(self.state, talk_s=talk)

    # --- voice commands ------------------------------------------------------------------------

    def _command(self, command: Command) -> None:
        if command is Command.STOP:
            self._say("commands.stop")
            raise _Finished(OutcomeKind.STOPPED)
        if command is Command.REPEAT:
            self._repeat_last()
        elif command is Command.SLOWER:
            self._pace = min(_MAX_PACE, self._pace * _SLOWER_STEP)
            slower = getattr(self.speaker, "slower", None)
            if callable(slower):
                slower()
            self._say("commands.slower")
        elif command is Command.PAUSE:
            self._pause()
        elif command is Command.BREAK:
            self._breathing_break()

    def _pause(self) -> None:
        self._say("commands.paused")
        self._paused = True
        try:
            while True:
                heard = self._listen(self.cfg.answer_timeout_s)
                if heard is None:
                    continue  # paused: silence is expected, say nothing
                self._note(heard)
                command = parse_command(heard.text)
                if command is None:
                    continue  # paused: talk between the two of them is theirs
                self.log.append(CommandHeard(self._now(), command.value, heard.speaker))
                if command is Command.RESUME:
                    break
                if command in (Command.STOP, Command.BREAK):
                    self._paused = False
                    self._command(command)
                else:
                    self._say("commands.still_paused")
        finally:
            self._paused = False
        self._say("commands.resumed")
        self._repeat_last()

    def _breathing_break(self) -> None:
        self._say("commands.break_start")
        self._record_break("breathing", self.config.breathing.break_minutes)
        self.state = dataclasses.replace(self.state, breaks=self.state.breaks + 1)
        self.breather.breathe(self.config.breathing.pattern, self.config.breathing.break_minutes)
        self.listener.ignore_pending(self.config.listening.mute_tail_s)
        self._say("commands.break_end")
        raise _RestartStep

    def _record_break(self, kind: str, minutes: float) -> None:
        self.log.append(BreakTaken(self._now(), kind, minutes))

    def _repeat_last(self) -> None:
        if self._last is None:
            self._say("commands.nothing_to_repeat")
        else:
            self._speak(*self._last)

    # --- speaking ------------------------------------------------------------------------------

    def _say(self, prompt_id: str, **values: str) -> None:
        self._speak(prompt_id, self.script.line(prompt_id, **values))

    def _prepare_after(self, prompt_id: str) -> None:
        """Have the lines likely to follow ``prompt_id`` synthesized, worded as they will be next.

        Only a speaker that caches audio (``prepare(texts)``, e.g. VoiceSpeaker) is asked. It runs
        right after a prompt, while the person starts to answer (the microphone queues meanwhile),
        so the reply to a hand-off starts without waiting for synthesis (issue 6: "cache the audio
        of prompts that never change").
        """
        prepare = getattr(self.speaker, "prepare", None)
        follow = _FOLLOW_UPS.get(prompt_id)
        if not callable(prepare) or not follow:
            return
        texts: list[str] = []
        for next_id in follow:
            texts.extend(self.script.peek(next_id, **values) for values in self._values_for(next_id))
        if texts:
            prepare(texts)

    def _values_for(self, prompt_id: str) -> list[dict[str, str]]:
        """The placeholder values ``prompt_id`` may be said with now (one per person for {name})."""
        wanted = self.script.placeholders(prompt_id)
        names = self.state.names
        if not wanted:
            return [{}]
        if wanted - {"name", "a", "b", "sharer", "listener"} or len(names) != 2:
            return []  # {time} or {holder}: not known ahead
        values: dict[str, str] = {"a": names[0], "b": names[1]}
        if wanted & {"sharer", "listener"}:
            if self.state.sharer is None:  # before step 4: either could share first
                return [{**values, "sharer": s, "listener": o} for s, o in (names, names[::-1])]
            values.update(sharer=self._sharer(), listener=self._listener())
        if "name" in wanted:
            return [{**values, "name": name} for name in names]
        return [values]

    def _speak(self, prompt_id: str, text: str) -> None:
        """Every prompt goes out here: show and speak, then half-duplex (drop what the mic caught)."""
        started = self._now()
        self.speaker.say(prompt_id, text)
        self.listener.ignore_pending(self.config.listening.mute_tail_s)
        self.log.append(PromptSpoken(self._now(), prompt_id, text, started))
        if self.transcript is not None:
            self._transcript_lines.append(f"[{self._stamp()}] Facilitator: {text}")
        if not prompt_id.startswith(("commands.", "device.")):
            self._last = (prompt_id, text)
        self._prepare_after(prompt_id)

    # --- helpers -------------------------------------------------------------------------------

    def _sharer(self) -> str:
        sharer = self.state.sharer
        assert sharer is not None, "roles are set at step 4"
        return sharer

    def _listener(self) -> str:
        listener = self.state.listener
        assert listener is not None, "roles are set at step 4"
        return listener

    def _wait(self, seconds: float) -> float:
        return seconds * self._pace

    def _now(self) -> float:
        return self.clock.monotonic_s() - self._t0

    def _stamp(self) -> str:
        minutes, seconds = divmod(int(self._elapsed_before + self._now()), 60)
        return f"{minutes:02d}:{seconds:02d}"

    def _save(self) -> None:
        self.state = dataclasses.replace(self.state, elapsed_s=self._elapsed_before + self._now())
        if self.store is not None:
            self.store.save(self.state)

    def _write_transcript(self) -> None:
        if self.transcript is None:
            return
        keep_old = self.transcript.exists() and self.resuming
        old = self.transcript.read_text(encoding="utf-8") if keep_old else ""
        body = old + "".join(line + "\n" for line in self._transcript_lines)
        write_private(self.transcript, body.encode("utf-8"))


_FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "consent.ask": ("consent.ask", "consent.both_yes"),
    "first.ask": ("first.chosen",),
    "share.invite": ("share.more", "share.done", "reflect.invite"),
    "share.again": ("share.more", "share.done", "reflect.invite"),
    "switch.roles": ("share.more", "share.done", "reflect.invite"),
    "reconnect.another_round": ("share.more", "share.done", "reflect.invite"),
    "share.more": ("share.done",),
    "reflect.invite": ("reflect.check",),
    "reflect.coaching": ("reflect.check",),
    "reflect.check": ("reflect.confirmed", "acknowledge.invite"),
    "acknowledge.invite": ("acknowledge.thanks", "reassure.invite"),
    "reassure.invite": ("reassure.thanks",),
    "reconnect.ask": ("reconnect.ask", "reconnect.invite", "reconnect.goodbye"),
}
"""The lines that usually come right after a prompt, synthesized while the people answer."""

_TIME_FILLERS = (
    "let's say", "lets say", "how about", "what about", "maybe", "um", "uh", "we could", "could we",
    "let's do", "let's come back", "we'll come back", "come back", "let's", "i think", "i'd say", "okay",
    "ok", "sure", "yes", "yeah", "well", "so",
)


def time_phrase(text: str) -> str | None:
    """The time to come back in an answer ("Let's say tomorrow at seven." -> "tomorrow at seven").

    None when the answer holds no time ("I don't know", "no"): then no time is agreed.
    """
    clean = text.strip().rstrip(".!?").strip()
    lowered = clean.lower()
    if not words(clean) or parse_answer(clean) in (Answer.NO,) or any(
        phrase in lowered for phrase in ("don't know", "not sure", "no idea")
    ):
        return None
    changed = True
    while changed:
        changed = False
        for filler in _TIME_FILLERS:
            if lowered.startswith(filler + " ") or lowered.startswith(filler + ","):
                clean = clean[len(filler) :].lstrip(" ,")
                lowered = clean.lower()
                changed = True
    if not words(clean):
        return None
    return clean[0].lower() + clean[1:] if not clean[:2].isupper() else clean

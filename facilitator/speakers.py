"""Who of the two enrolled people spoke: voiceprints, cosine scores, a calibrated margin decision.

Pure core: numpy and the ports only; the voice encoder, the voice-activity model and the file
store are handed in. DOMAIN.md: thresholds copied from benchmarks fail in real rooms, so the
decision is the margin between the two enrolled voices' cosine scores, compared with a threshold
calibrated on the two people's own enrolment speech; below it the answer is "unsure" (None), and
speech shorter than ``min_attribution_s`` is never attributed (the session uses who holds the
floor instead). Long utterances are also scored in ~1.5 s windows, so a second voice inside one
utterance can be noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from facilitator.audio import SAMPLE_RATE, Audio
from facilitator.config import SpeakersConfig
from facilitator.errors import InputError, StateError
from facilitator.events import Attribution
from facilitator.ports import Embedder, SpeechDetector

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Voiceprint:
    """One person's voice: the embeddings of ~1.5 s windows of their enrolment speech (no audio)."""

    name: str
    windows: npt.NDArray[np.float32]
    """Unit-length embeddings of the enrolment windows (n x 256)."""
    speech_s: float
    """Seconds of voiced speech the windows came from."""

    @property
    def vector(self) -> Vector:
        """The voice's centroid: the normalised mean of its window embeddings."""
        return _unit(self.windows.mean(axis=0))


class VoiceprintStore(Protocol):
    """Where voiceprints are kept (facilitator.voiceprints.VoiceprintFiles)."""

    def load(self, name: str) -> Voiceprint | None:
        """The stored voiceprint, or None when there is none."""
        ...

    def save(self, voiceprint: Voiceprint) -> None:
        """Store (replace) a voiceprint."""
        ...


def _unit(v: npt.NDArray[np.floating]) -> Vector:
    norm = float(np.linalg.norm(v))
    return (np.asarray(v, dtype=np.float32) / max(norm, 1e-12)).astype(np.float32)


def window_spans(n_samples: int, window_s: float, rate: int = SAMPLE_RATE) -> list[tuple[int, int]]:
    """Split ``n_samples`` into equal windows as close to ``window_s`` as possible (at least one)."""
    count = max(1, int(round(n_samples / (window_s * rate))))
    edges = np.linspace(0, n_samples, count + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def sliding_spans(n_samples: int, window_s: float, hop_s: float,
                  rate: int = SAMPLE_RATE) -> list[tuple[int, int]]:
    """Windows of ``window_s`` every ``hop_s`` (one when shorter).

    A tail over half a hop gets a last window ending at the end; a shorter one is left out.
    """
    win, hop = int(round(window_s * rate)), max(1, int(round(hop_s * rate)))
    if n_samples <= win + hop // 2:
        return [(0, n_samples)]
    starts = list(range(0, n_samples - win + 1, hop))
    if n_samples - (starts[-1] + win) > hop // 2:
        starts.append(n_samples - win)
    return [(a, min(n_samples, a + win)) for a in starts]


def embed_windows(embedder: Embedder, audio: Audio, window_s: float) -> npt.NDArray[np.float32]:
    """Embeddings (n x d) of the ~``window_s`` windows of ``audio``."""
    return np.stack([embedder.embed(audio[a:b]) for a, b in window_spans(len(audio), window_s)])


MAX_WINDOWS = 60
"""A refreshed voiceprint keeps at most this many windows (the newest), ~90 s of speech."""


def refreshed(old: Voiceprint, new: Voiceprint) -> Voiceprint:
    """A returning person's voiceprint with today's speech added (their voice and room today)."""
    windows = np.concatenate([old.windows, new.windows])[-MAX_WINDOWS:]
    return replace(old, windows=windows, speech_s=min(old.speech_s + new.speech_s, MAX_WINDOWS * 1.5))


@dataclass(frozen=True)
class Pair:
    """The two people being told apart, and the margin calibrated for them."""

    first: Voiceprint
    second: Voiceprint
    threshold: float
    """Cosine margin at or above which a decision is made."""

    def score(self, embedding: Vector) -> tuple[str, float]:
        """The closer voice's name and its margin over the other (cosine difference)."""
        a = float(embedding @ self.first.vector)
        b = float(embedding @ self.second.vector)
        return (self.first.name, a - b) if a >= b else (self.second.name, b - a)


def self_margins(own: Voiceprint, other: Voiceprint) -> npt.NDArray[np.float64]:
    """Margins of ``own``'s enrolment windows, each scored against ``own`` without itself."""
    n = len(own.windows)
    if n < 2:
        return np.zeros(0)
    total = own.windows.sum(axis=0)
    other_vec = other.vector
    out = []
    for w in own.windows:
        rest = _unit(total - w)
        out.append(float(w @ rest) - float(w @ other_vec))
    return np.asarray(out)


def calibrate(first: Voiceprint, second: Voiceprint, config: SpeakersConfig) -> float:
    """The margin threshold for this pair, from how well their own enrolment windows separate.

    Two clearly different voices give enrolment windows with large margins and keep the default
    threshold; two close voices give small margins, and the threshold drops to a share of their
    typical margin (never under ``min_margin``) so that they are not always "unsure".
    """
    margins = np.concatenate([self_margins(first, second), self_margins(second, first)])
    if margins.size < 4:
        return config.default_margin
    typical = float(np.quantile(margins, 0.2))
    return float(min(config.default_margin, max(config.min_margin, config.calibration_share * typical)))


class VoiceMatcher:
    """Implements ``ports.SpeakerIdentifier`` and ``ports.VoiceBook`` for two enrolled people."""

    def __init__(
        self,
        embedder: Embedder,
        store: VoiceprintStore,
        detector: SpeechDetector,
        config: SpeakersConfig | None = None,
    ) -> None:
        """Match against voiceprints kept in ``store``, embedding with ``embedder``.

        ``detector`` (a streaming VAD) measures the voiced speech of enrolment audio.
        """
        self.embedder = embedder
        self.store = store
        self.detector = detector
        self.config = config or SpeakersConfig()
        self.pair: Pair | None = None

    # --- VoiceBook ---

    def has(self, name: str) -> bool:
        """Whether a stored voiceprint exists for ``name``."""
        try:
            return self.store.load(name) is not None
        except StateError:
            return False  # a file from another version: the person enrols again

    def enroll(self, name: str, audio: Audio) -> None:
        """Build (or quietly refresh) ``name``'s voiceprint; InputError says why audio is unusable.

        A returning person's voiceprint is refreshed from a shorter stretch (``refresh_min_voiced_s``)
        that must sound like the stored voice (``refresh_min_cosine``), so a few sentences at the
        start of a session keep it current without letting another voice in.
        """
        try:
            old = self.store.load(name)
        except StateError:
            old = None
        if old is None:
            self.store.save(self.voiceprint_from(name, audio))
            return
        new = self.voiceprint_from(name, audio, min_voiced_s=self.config.refresh_min_voiced_s)
        similarity = float(new.vector @ old.vector)
        if similarity < self.config.refresh_min_cosine:
            raise InputError(
                f"This does not sound like the voice stored for {name}; if it is them, "
                f"forget the old voiceprint (`facilitator voices forget {name}`) and enrol again."
            )
        self.store.save(refreshed(old, new))

    def voiceprint_from(self, name: str, audio: Audio, min_voiced_s: float | None = None) -> Voiceprint:
        """Check the enrolment audio (enrolment.assess) and build a voiceprint from its voiced speech.

        Raises:
            InputError: the audio is unusable (the message says why and what to do).
        """
        from facilitator.enrolment import assess

        config = self.config
        if min_voiced_s is not None:
            config = replace(config, enrol_min_voiced_s=min_voiced_s)
        report = assess(audio, self.embedder, self.detector, config)
        if report.reason is not None:
            raise InputError(report.reason)
        return Voiceprint(name=name, windows=report.windows, speech_s=report.voiced_s)

    def use(self, names: tuple[str, str]) -> None:
        """From now on attribute utterances to these two people (stored voiceprints).

        Raises:
            InputError: the names are the same or one has no stored voiceprint.
            StateError: a stored voiceprint is from another version.
        """
        first, second = names
        if first.casefold() == second.casefold():
            raise InputError(f"Both voices are named {first}; give two different people.")
        prints = []
        for name in names:
            vp = self.store.load(name)
            if vp is None:
                raise InputError(
                    f"There is no voiceprint for {name}; enrol them with `facilitator enroll {name}`."
                )
            prints.append(vp)
        self.use_voiceprints(prints[0], prints[1])

    def use_voiceprints(self, first: Voiceprint, second: Voiceprint) -> None:
        """Attribute to these two voiceprints (not necessarily stored), calibrating the threshold."""
        self.pair = Pair(first, second, calibrate(first, second, self.config))

    # --- SpeakerIdentifier ---

    def attribute(self, audio: Audio, start_s: float) -> tuple[Attribution, tuple[Attribution, ...]]:
        """The whole utterance's attribution and that of its ~1.5 s windows (stream times).

        The windows slide by ``window_hop_s`` (0.5 s), so a second voice of about 2 s inside the
        utterance fills whole windows wherever it starts.

        Raises:
            StateError: no two voices were chosen with ``use``.
        """
        if self.pair is None:
            raise StateError("No voices are chosen to tell apart; enrol both people first.")
        duration_s = len(audio) / SAMPLE_RATE
        end_s = start_s + duration_s
        if duration_s < self.config.min_attribution_s:
            return Attribution(start_s, end_s, None, 0.0), ()
        windows = []
        embeddings = []
        for a, b in sliding_spans(len(audio), self.config.window_s, self.config.window_hop_s):
            w_start, w_end = start_s + a / SAMPLE_RATE, start_s + b / SAMPLE_RATE
            if (b - a) / SAMPLE_RATE < self.config.min_attribution_s:
                windows.append(Attribution(w_start, w_end, None, 0.0))
                continue
            emb = self.embedder.embed(audio[a:b])
            embeddings.append(emb)
            windows.append(self._decide(emb, w_start, w_end))
        whole = self.embedder.embed(audio) if len(windows) > 1 else embeddings[0]
        return self._decide(whole, start_s, end_s), tuple(windows)

    def turns(self, audio: Audio, start_s: float, hop_s: float = 0.25) -> list[tuple[Attribution, Audio]]:
        """The utterance cut where the speaker changes, each piece attributed anew.

        For reviewing a recording, where two people often take turns without the pause that ends
        an utterance live. Windows of ``window_s`` slide by ``hop_s``; each stretch of ``hop_s``
        takes the mean signed margin of the windows covering it, and a change of sign is a change
        of speaker. Pieces shorter than ``min_attribution_s`` join their neighbour.
        """
        if self.pair is None:
            raise StateError("No voices are chosen to tell apart; enrol both people first.")
        win = int(self.config.window_s * SAMPLE_RATE)
        hop = int(hop_s * SAMPLE_RATE)
        if len(audio) < 2 * win:
            return [(self.attribute(audio, start_s)[0], audio)]
        first, second = self.pair.first.vector, self.pair.second.vector
        n_steps = (len(audio) - win) // hop + 1
        signed = np.empty(n_steps)
        for k in range(n_steps):
            emb = self.embedder.embed(audio[k * hop : k * hop + win])
            signed[k] = float(emb @ first) - float(emb @ second)
        n_cells = int(np.ceil(len(audio) / hop))
        total = np.zeros(n_cells)
        count = np.zeros(n_cells)
        per_window = win // hop
        for k in range(n_steps):
            total[k : k + per_window] += signed[k]
            count[k : k + per_window] += 1
        side = np.sign(total / np.maximum(count, 1))
        for i in range(1, n_cells):  # a cell no window decided keeps its neighbour's side
            if side[i] == 0:
                side[i] = side[i - 1]
        bounds = [0] + [i for i in range(1, n_cells) if side[i] != side[i - 1]] + [n_cells]
        min_cells = int(np.ceil(self.config.min_attribution_s / hop_s))
        cuts = [bounds[0]]
        for edge, nxt in zip(bounds[1:-1], bounds[2:], strict=True):
            if edge - cuts[-1] >= min_cells and nxt - edge >= min_cells:
                cuts.append(edge)
        cuts.append(n_cells)
        out = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            piece = audio[a * hop : min(len(audio), b * hop)]
            out.append((self.attribute(piece, start_s + a * hop / SAMPLE_RATE)[0], piece))
        return out

    def _decide(self, embedding: Vector, start_s: float, end_s: float) -> Attribution:
        assert self.pair is not None
        name, margin = self.pair.score(embedding)
        return Attribution(start_s, end_s, name if margin >= self.pair.threshold else None, margin, name)


def speaker_turns(windows: tuple[Attribution, ...]) -> list[tuple[float, float]]:
    """Cut an utterance where its windows change speaker: the (start_s, end_s) of each turn.

    Windows decided for the same person, and unsure windows between them, stay in one turn; a
    window decided for the other person starts a new turn. Used to review a recording, where two
    people often take turns without the pause that ends an utterance live.
    """
    if not windows:
        return []
    turns: list[tuple[float, float]] = []
    start_s = windows[0].start_s
    current: str | None = None
    for w in windows:
        if w.speaker is not None and current is not None and w.speaker != current:
            turns.append((start_s, w.start_s))
            start_s = w.start_s
        if w.speaker is not None:
            current = w.speaker
    turns.append((start_s, windows[-1].end_s))
    return turns

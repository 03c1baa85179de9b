"""The facilitator's voice: show a prompt, speak it, and keep the audio of prompts already spoken."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from facilitator.audio import Audio, write_wav
from facilitator.errors import InputError
from facilitator.ports import AudioSink, Synthesizer


class VoiceSpeaker:
    """Implements the Speaker port: echo the text, then play it through the sink, sentence by sentence.

    Most prompts never change ("Take a slow breath in..."), so the audio of each text spoken is kept
    (up to ``cache_s`` seconds in all, least recently used dropped first) and the second time it
    starts with no synthesis at all.
    """

    def __init__(
        self,
        synth: Synthesizer,
        sink: AudioSink,
        echo: Callable[[str], None] | None = None,
        *,
        cache_s: float = 300.0,
    ) -> None:
        """Wire a synthesizer to a sink; ``echo`` shows each text (e.g. click.echo) before it is spoken."""
        self.synth = synth
        self.sink = sink
        self.echo = echo
        self._cache: OrderedDict[str, tuple[Audio, ...]] = OrderedDict()
        self._cache_samples = 0
        self._max_samples = int(cache_s * synth.sample_rate)

    def say(self, prompt_id: str, text: str) -> None:
        """Show and speak ``text``, blocking until it has been played (Ctrl-C stops it at once).

        Raises:
            InputError: the text is empty.
        """
        if not text.strip():
            raise InputError(f"The prompt {prompt_id or 'to say'} has no text; give it some words.")
        if self.echo is not None:
            self.echo(text)
        self.sink.play(self.chunks(text), self.synth.sample_rate)

    def chunks(self, text: str) -> Iterator[Audio]:
        """The text's audio, one chunk per sentence: from the cache, or synthesized and then cached.

        A text is cached only once all its sentences were synthesized (an interrupted one is not).
        """
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            yield from cached
            return
        made: list[Audio] = []
        for chunk in self.synth.synthesize(text):
            made.append(chunk)
            yield chunk
        self._remember(text, tuple(made))

    def prepare(self, texts: Iterable[str]) -> None:
        """Synthesize texts ahead of time (e.g. a session's fixed prompts while the people settle)."""
        for text in texts:
            if text.strip() and text not in self._cache:
                for _ in self.chunks(text):
                    pass

    def _remember(self, text: str, chunks: tuple[Audio, ...]) -> None:
        size = sum(int(c.size) for c in chunks)
        if size > self._max_samples:
            return
        self._cache[text] = chunks
        self._cache_samples += size
        while self._cache_samples > self._max_samples:
            _, dropped = self._cache.popitem(last=False)
            self._cache_samples -= sum(int(c.size) for c in dropped)


class WavFileSink:
    """An AudioSink that writes what it is given to a wav file (``facilitator say --out``)."""

    def __init__(self, path: str | Path) -> None:
        """Write to ``path`` (overwritten) on each ``play``."""
        self.path = Path(path)

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        """Collect all chunks and write them as one 16-bit wav at ``sample_rate``.

        Raises:
            InputError: the folder does not exist or cannot be written.
        """
        audio = [np.asarray(c, dtype=np.float32).reshape(-1) for c in chunks]
        joined = np.concatenate(audio) if audio else np.zeros(0, dtype=np.float32)
        if not self.path.parent.is_dir():
            raise InputError(f"The folder {self.path.parent} does not exist; create it or choose another.")
        try:
            write_wav(self.path, joined, sample_rate)
        except (OSError, RuntimeError) as exc:  # soundfile raises RuntimeError (LibsndfileError)
            raise InputError(f"Cannot write {self.path} ({exc}); give a writable .wav path.") from exc

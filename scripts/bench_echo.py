"""Benchmark the echo cancellers for hearing people while the facilitator speaks (issue 13).

    PYTHONPATH=. .venv/bin/python scripts/bench_echo.py [--quick] [--candidates DIR]

Each trial is 30 s of a laptop's microphone, made from real recordings (../shared/data/speech):

- far end (what the facilitator plays): speechbrain ASR sentences, LibriSpeech test-other and
  jfk, 0-26 s, through a speechbrain room impulse response (scripts/echo_path.py) with a delay
  of 10-60 ms at -6 to -20 dB into the microphone;
- near end (a person): another LibriSpeech speaker at -10 dB re the far end, 14-22 s (double
  talk) and 26-30 s (alone);
- real room noise (speechbrain/noise) 30 dB under the person.

For each canceller, given the played samples as the reference in 10 ms frames and no delay hint:

- ERLE: echo return loss enhancement, 10 log10 of microphone power over output power in the
  far-end-only stretches after the first 3 s (3-14 s and 22.5-26 s); the room noise bounds it
  (the "ceiling" column is microphone over noise power there);
- converged: the first time the 0.5 s ERLE reaches the steady ERLE less 3 dB;
- near SNR in double talk (14-22 s): the person's speech against everything else (residual
  echo, noise, distortion), after a least-squares gain, before ("mic") and after the canceller;
  and the person's level change (dB) there and when alone (26-30 s);
- CPU: process time per second of audio (one thread; the machine is shared, see the load);
- added latency: the lag of the output behind the microphone (cross-correlation, person alone).

Candidates are imported lazily; one that is not installed is reported as such. ``--candidates``
adds a folder to the import path (e.g. a ``pip install --target`` of livekit and speexdsp, kept
out of the shared venv).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from echo_path import DATA, RATE, RIRS, echo_of, load_rir, rms_db, room_noise  # noqa: E402

from facilitator.audio import load_audio  # noqa: E402

Audio = npt.NDArray[np.float32]
FRAME = 160
SPEECH = DATA.parent
LENGTH_S = 30.0
FAR_S = (0.0, 26.0)
DOUBLE_S = (14.0, 22.0)
ALONE_S = (26.0, 30.0)
FAR_ONLY = ((3.0, 14.0), (22.5, 26.0))

Frame = Callable[[Audio, Audio], Audio]
"""One 10 ms step of a canceller: (microphone, reference) -> output, float32."""


def _int16(x: Audio) -> npt.NDArray[np.int16]:
    return (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16)


def webrtc_aec3() -> Frame:
    """pywebrtc-audio's EchoCanceller (WebRTC AEC3, float32 in and out)."""
    import pywebrtc_audio

    ec = pywebrtc_audio.EchoCanceller(sample_rate=RATE, num_channels=1, stream_delay_ms=0)
    return lambda mic, ref: np.asarray(ec.process(mic, ref), dtype=np.float32)


def speex_mdf(filter_s: float = 0.256) -> Frame:
    """speexdsp's EchoCanceller (MDF adaptive filter, int16 bytes)."""
    import speexdsp

    ec = speexdsp.EchoCanceller.create(FRAME, int(filter_s * RATE), RATE)

    def frame(mic: Audio, ref: Audio) -> Audio:
        out = ec.process(_int16(mic).tobytes(), _int16(ref).tobytes())
        return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32767

    return frame


def livekit_apm() -> Frame:
    """livekit's rtc.AudioProcessingModule (WebRTC APM, echo cancellation only, int16 frames)."""
    from livekit import rtc

    apm = rtc.AudioProcessingModule(echo_cancellation=True)

    def frame(mic: Audio, ref: Audio) -> Audio:
        apm.process_reverse_stream(rtc.AudioFrame(_int16(ref).tobytes(), RATE, 1, FRAME))
        near = rtc.AudioFrame(_int16(mic).tobytes(), RATE, 1, FRAME)
        apm.set_stream_delay_ms(0)
        apm.process_stream(near)
        return np.frombuffer(bytes(near.data), dtype=np.int16).astype(np.float32) / 32767

    return frame


def project_adapter() -> Frame:
    """The project's adapter (facilitator/adapters/echo.py) for the chosen canceller."""
    from facilitator.adapters.echo import open_echo_canceller

    ec = open_echo_canceller()

    def frame(mic: Audio, ref: Audio) -> Audio:
        ec.played(ref)
        return ec.process(mic)

    return frame


def no_canceller() -> Frame:
    """The microphone as it is (today's situation with half-duplex turned off)."""
    return lambda mic, ref: mic


CANDIDATES: dict[str, tuple[str, Callable[[], Frame]]] = {
    "none": ("the microphone as it is", no_canceller),
    "webrtc-aec3": ("pywebrtc-audio==0.2.0", webrtc_aec3),
    "speexdsp": ("speexdsp==0.1.1 (256 ms filter)", speex_mdf),
    "livekit-apm": ("livekit==1.2.0 rtc.AudioProcessingModule", livekit_apm),
    "adapter": ("facilitator.adapters.echo (chosen)", project_adapter),
}


@dataclass(frozen=True)
class Trial:
    """One microphone recording to clean, with its parts kept apart for scoring."""

    name: str
    far: Audio
    echo: Audio
    near: Audio
    noise: Audio

    @property
    def mic(self) -> Audio:
        return (self.echo + self.near + self.noise).astype(np.float32)


def _speech_pool(files: list[Path], seconds: float, gap_s: float = 0.3) -> Audio:
    parts: list[Audio] = []
    total = 0.0
    for f in files:
        a = load_audio(f)
        parts += [a, np.zeros(int(gap_s * RATE), np.float32)]
        total += a.size / RATE + gap_s
        if total >= seconds:
            break
    out = np.concatenate(parts)[: int(seconds * RATE)]
    return np.pad(out, (0, int(seconds * RATE) - out.size)).astype(np.float32)


def _place(audio: Audio, spans: list[tuple[float, float]]) -> Audio:
    out = np.zeros(int(LENGTH_S * RATE), np.float32)
    pos = 0
    for a, b in spans:
        n = int((b - a) * RATE)
        out[int(a * RATE) : int(a * RATE) + n] = audio[pos : pos + n]
        pos += n
    return out


def trials(quick: bool) -> list[Trial]:
    """Four rooms, each at a few delays and levels, different speakers and noise each time."""
    libri = SPEECH / "librispeech-test-other-10spk"
    speakers = sorted(p for p in libri.iterdir() if p.is_dir())
    asr = sorted((DATA / "ASR").glob("*.wav"))
    jfk = SPEECH / "faster-whisper" / "jfk.flac"
    settings = [(0.010, -6.0), (0.035, -12.0), (0.060, -20.0), (0.060, -6.0)]
    if quick:
        settings = settings[:1] + settings[-1:]
    out = []
    for r, rir_path in enumerate(sorted(RIRS.glob("*.wav"))):
        rir = load_rir(rir_path)
        for s, (delay_s, level_db) in enumerate(settings):
            k = r * len(settings) + s
            far_files = [jfk, *asr[k % 6 :: 3], *sorted(speakers[k % 5].glob("*.flac"))]
            far = _place(_speech_pool(far_files, FAR_S[1]), [FAR_S])
            near_spk = speakers[5 + k % 5]
            near_src = _speech_pool(sorted(near_spk.glob("*.flac"))[k % 3 :], 12.0)
            near = _place(near_src, [DOUBLE_S, ALONE_S])
            far_rms = float(np.sqrt(np.mean(far[: int(FAR_S[1] * RATE)] ** 2)))
            near_rms = float(np.sqrt(np.mean(near[near != 0] ** 2)))
            near *= far_rms * 10 ** (-10 / 20) / near_rms
            noise = room_noise(far.size, k) * far_rms * 10 ** (-40 / 20)
            echo = echo_of(far, rir, delay_s, level_db)
            name = f"{rir_path.stem} {delay_s * 1000:.0f} ms {level_db:.0f} dB"
            out.append(Trial(name, far, echo, near.astype(np.float32), noise.astype(np.float32)))
    return out


def _span(x: Audio, a: float, b: float) -> Audio:
    return x[int(a * RATE) : int(b * RATE)]


def _lag(out: Audio, mic: Audio, max_lag: int = 800) -> int:
    """Samples by which ``out`` lags ``mic`` (the person alone: the output is the microphone)."""
    from scipy.signal import correlate

    corr = correlate(out.astype(np.float64), mic.astype(np.float64), mode="full", method="fft")
    mid = mic.size - 1
    window = corr[mid - max_lag : mid + max_lag + 1]
    return int(np.argmax(window)) - max_lag


def _near_snr(out: Audio, near: Audio) -> tuple[float, float]:
    """(SNR of the person in ``out`` after a least-squares gain, that gain in dB)."""
    n = near.astype(np.float64)
    o = out.astype(np.float64)
    g = float(n @ o / max(float(n @ n), 1e-20))
    rest = o - g * n
    return rms_db(g * n) - rms_db(rest), 20 * np.log10(max(abs(g), 1e-6))


def _words(text: str) -> list[str]:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split()).split()


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Edit distance between two word lists (substitutions, insertions, deletions)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


_REFERENCE_TEXT: dict[str, list[str]] = {}
"""What Whisper hears of the person alone (with the room noise) in each trial's double talk."""


def hearing(transcriber: object, out: Audio, trial: Trial) -> dict[str, float]:
    """What Whisper hears: its own words in far-end-only stretches, the person's in double talk."""
    hear = transcriber.transcribe  # type: ignore[attr-defined]
    own = sum(len(_words(hear(_span(out, a, b)).text)) for a, b in FAR_ONLY)
    if trial.name not in _REFERENCE_TEXT:
        _REFERENCE_TEXT[trial.name] = _words(hear(_span(trial.near + trial.noise, *DOUBLE_S)).text)
    ref = _REFERENCE_TEXT[trial.name]
    hyp = _words(hear(_span(out, *DOUBLE_S)).text)
    return {"own_words": float(own), "near_wer": 100.0 * word_errors(ref, hyp) / max(len(ref), 1)}


def score(make: Frame, trial: Trial, transcriber: object | None = None) -> dict[str, float]:
    """Run one canceller over one trial; its figures."""
    mic, far = trial.mic, trial.far
    frames = mic.size // FRAME
    out = np.zeros(frames * FRAME, np.float32)
    start = time.process_time()
    for i in range(frames):
        a = i * FRAME
        out[a : a + FRAME] = make(mic[a : a + FRAME], far[a : a + FRAME])
    cpu_s = time.process_time() - start
    lag = _lag(_span(out, *ALONE_S), _span(mic, *ALONE_S))
    aligned = np.concatenate([out[max(lag, 0) :], np.zeros(max(lag, 0), np.float32)])
    mic_p = np.concatenate([_span(mic, a, b) for a, b in FAR_ONLY])
    out_p = np.concatenate([_span(aligned, a, b) for a, b in FAR_ONLY])
    noise_p = np.concatenate([_span(trial.noise, a, b) for a, b in FAR_ONLY])
    erle = rms_db(mic_p) - rms_db(out_p)
    converged = float("nan")
    for t in np.arange(0.0, FAR_ONLY[0][1] - 0.5, 0.1):
        if rms_db(_span(mic, t, t + 0.5)) - rms_db(_span(aligned, t, t + 0.5)) >= erle - 3.0:
            converged = float(t + 0.5)
            break
    near_d = _span(trial.near, *DOUBLE_S)
    snr_after, gain_dt = _near_snr(_span(aligned, *DOUBLE_S), near_d)
    snr_before, _ = _near_snr(_span(mic, *DOUBLE_S), near_d)
    _, gain_alone = _near_snr(_span(aligned, *ALONE_S), _span(trial.near, *ALONE_S))
    heard = {} if transcriber is None else hearing(transcriber, aligned, trial)
    return heard | {
        "erle": erle, "ceiling": rms_db(mic_p) - rms_db(noise_p), "converged": converged,
        "snr_before": snr_before, "snr_after": snr_after, "gain_dt": gain_dt, "gain_alone": gain_alone,
        "cpu_ms": 1000 * cpu_s / (mic.size / RATE), "lag_ms": 1000 * lag / RATE,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two settings per room, not four")
    parser.add_argument("--candidates", type=Path, help="a folder to add to the import path")
    parser.add_argument("--only", nargs="*", help="candidate names to run")
    parser.add_argument("--verbose", action="store_true", help="one line per trial")
    parser.add_argument("--whisper", action="store_true",
                        help="also transcribe (bundled tiny.en): own words heard, the person's WER")
    args = parser.parse_args(argv)
    if not RIRS.is_dir():
        print(f"no room impulse responses at {RIRS}; the benchmark needs ../shared/data", file=sys.stderr)
        return 1
    if args.candidates:
        sys.path.append(str(args.candidates))
    cases = trials(args.quick)
    transcriber = None
    if args.whisper:
        from facilitator.adapters.whisper import WhisperTranscriber

        transcriber = WhisperTranscriber()
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"{len(cases)} trials of {LENGTH_S:.0f} s; load average {' '.join(load)} (shared machine)")
    header = ("candidate", "ERLE dB", "ceiling", "conv s", "nearSNR mic", "after", "near dB dt",
              "alone", "CPU ms/s", "lag ms")
    print("{:<13} {:>8} {:>8} {:>7} {:>11} {:>6} {:>10} {:>6} {:>9} {:>7}".format(*header))
    for name, (label, factory) in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        try:
            factory()
        except Exception as exc:  # a candidate that does not install or load: say so, go on
            print(f"{name:<13} not available: {type(exc).__name__}: {exc}")
            continue
        rows = []
        for trial in cases:
            row = score(factory(), trial, transcriber)
            rows.append(row)
            if args.verbose:
                print(f"  {trial.name:<24} " + " ".join(f"{k}={v:.1f}" for k, v in row.items()))
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        worst_erle = min(r["erle"] for r in rows)
        print(f"{name:<13} {med['erle']:>8.1f} {med['ceiling']:>8.1f} {med['converged']:>7.1f} "
              f"{med['snr_before']:>11.1f} {med['snr_after']:>6.1f} {med['gain_dt']:>10.1f} "
              f"{med['gain_alone']:>6.1f} {med['cpu_ms']:>9.1f} {med['lag_ms']:>7.1f}"
              f"   ({label}; worst ERLE {worst_erle:.1f})")
        if transcriber is not None:
            own = sum(r["own_words"] for r in rows)
            wer = statistics.mean(r["near_wer"] for r in rows)
            print(f"{'':<13} Whisper: {own:.0f} words of its own heard in {len(rows) * 14.5:.0f} s "
                  f"of far-end-only speech; the person's words in double talk: {wer:.0f} % WER")
    print("medians over the trials; near SNR: the person against residual echo, noise and distortion")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

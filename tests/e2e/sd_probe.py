"""Runs in a subprocess on the virtual sound card: what sounddevice (PortAudio via ALSA) sees.

A fresh process per probe, so PortAudio is initialised with the virtual card's environment
(it reads the device list once, at import).

  sd_probe.py devices                 print the device list as JSON
  sd_probe.py record SECONDS OUT.npy  record the default input (blocking reads), save int16 samples
  sd_probe.py play TONE_HZ SECONDS    play a tone on the default output
  sd_probe.py lose SECONDS            record with a callback stream; print what happens, as JSON lines
  sd_probe.py adapter SECONDS         read facilitator's Microphone; print DeviceError and retries
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import sounddevice as sd


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "devices":
        emit(devices=[dict(d) for d in sd.query_devices()], default=list(sd.default.device))
    elif mode == "record":
        seconds, out = float(argv[1]), argv[2]
        with sd.InputStream(samplerate=16000, channels=1, dtype="int16", blocksize=512) as stream:
            emit(started=time.monotonic())
            got = [stream.read(512)[0][:, 0].copy() for _ in range(int(seconds * 16000 / 512))]
        np.save(out, np.concatenate(got))
    elif mode == "play":
        hz, seconds = float(argv[1]), float(argv[2])
        t = np.arange(int(seconds * 22050)) / 22050
        emit(started=time.monotonic())
        sd.play((0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32), 22050, blocking=True)
        emit(ended=time.monotonic())
    elif mode == "lose":
        seconds = float(argv[1])
        blocks: list[float] = []
        statuses: list[str] = []
        finished: list[float] = []

        def on_audio(indata, frames, when, status) -> None:  # noqa: ANN001
            blocks.append(time.monotonic())
            if status:
                statuses.append(str(status))

        def on_finished() -> None:
            finished.append(time.monotonic())

        stream = sd.InputStream(samplerate=16000, channels=1, dtype="float32", blocksize=512,
                                callback=on_audio, finished_callback=on_finished)
        stream.start()
        emit(started=time.monotonic())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(0.1)
            emit(t=time.monotonic(), active=stream.active, blocks=len(blocks),
                 last_block=blocks[-1] if blocks else None, statuses=statuses[-3:],
                 finished=finished[0] if finished else None)
        stream.close()
        # A new stream on the same (default) device, without re-initialising PortAudio.
        try:
            with sd.InputStream(samplerate=16000, channels=1, dtype="float32", blocksize=512) as again:
                again.read(512)
            emit(reopened=True)
        except sd.PortAudioError as exc:
            emit(reopened=False, error=str(exc))
    elif mode == "adapter":
        from facilitator.adapters.soundcard import Microphone
        from facilitator.errors import DeviceError

        seconds = float(argv[1])
        mic = Microphone()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                for count, _block in enumerate(mic.blocks()):
                    if count % 16 == 0:
                        emit(t=time.monotonic(), reading=True)
                    if time.monotonic() > end:
                        break
            except DeviceError as exc:
                emit(t=time.monotonic(), lost=str(exc))
                time.sleep(0.5)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])

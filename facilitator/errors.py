"""Errors a user can fix: one family, each message one sentence that says how to fix it."""


class FacilitatorError(Exception):
    """An error the user can fix; the CLI prints it without a traceback and exits 1."""


class ConfigError(FacilitatorError):
    """A config file or option is wrong."""


class ScriptError(FacilitatorError):
    """A session script file is wrong."""


class DeviceError(FacilitatorError):
    """An audio device (or PortAudio itself) is missing or failed."""


class ModelError(FacilitatorError):
    """A model is missing, corrupt, or not the expected file."""


class AudioFileError(FacilitatorError):
    """An audio file cannot be read or is empty."""


class InputError(FacilitatorError):
    """A text or option given by the user cannot be used."""


class StateError(FacilitatorError):
    """A saved session or voiceprint file cannot be used."""


class EchoCancellerUnavailable(FacilitatorError):
    """The echo canceller cannot load: warn once, then listen half-duplex (never while speaking)."""

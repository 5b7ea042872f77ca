"""Speakers: offline text-to-speech engines behind one small interface, and `make_speaker`.

A speaker's `say(text, t_s)` may take as long as the speech does; `VoiceCoach` calls
it from its own thread (unless the speaker is `instant`), so it never blocks frames.
Engines run as child processes where possible: they start in milliseconds, need no
Python package, and `close()` can cut them off mid-sentence.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Slower than espeak's default 175 words per minute: heard from across a room, on the floor.
ESPEAK_RATE_WPM = 160
# A single cue never takes this long to say; a hung engine is killed and reported.
SPEAK_TIMEOUT_S = 15.0

ENGINES = ("espeak-ng", "espeak", "say", "sapi", "pyttsx3", "silent")
NO_ENGINE_NOTICE = (
    "voice off: no offline speech engine found (Linux: sudo apt install espeak-ng; "
    "or pip install pyttsx3); cues stay on screen"
)


class SpeechError(Exception):
    """The speech engine failed; the message is one line saying which and why."""


class Speaker:
    """Says one text at a time. `instant` speakers return at once and need no thread."""

    name = "speaker"
    instant = False

    def say(self, text: str, t_s: float) -> None:
        """Speak `text` (decided at frame time `t_s`); may block until it has been said."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop any speech under way; later `say` calls do nothing. Safe from another thread."""


class SilentSpeaker(Speaker):
    """Says nothing: voice off, or no engine on this machine."""

    name = "silent"
    instant = True

    def say(self, text: str, t_s: float) -> None:
        pass


class RecordingSpeaker(Speaker):
    """Records what would be said, with the frame time it was decided at (for tests)."""

    name = "recording"
    instant = True

    def __init__(self) -> None:
        self.spoken: list[tuple[float, str]] = []

    def say(self, text: str, t_s: float) -> None:
        self.spoken.append((t_s, text))

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.spoken]


class CommandSpeaker(Speaker):
    """Runs a command per utterance with the text on its standard input, and waits for it."""

    def __init__(self, argv: Sequence[str], name: str, timeout_s: float = SPEAK_TIMEOUT_S) -> None:
        self.argv = list(argv)
        self.name = name
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._closed = False

    def command(self, text: str) -> list[str]:
        """The command line for one utterance (the text itself goes to standard input)."""
        return self.argv

    def say(self, text: str, t_s: float) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                process = subprocess.Popen(
                    self.command(text),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                    # No console window flashing up on Windows for every cue.
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
                )
            except OSError as exc:
                raise SpeechError(f"{self.name} could not start: {exc.strerror or exc}") from None
            self._process = process
        try:
            _, stderr = process.communicate(text, timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise SpeechError(f"{self.name} did not finish speaking within {self.timeout_s:g} s") from None
        finally:
            with self._lock:
                self._process = None
        if self._closed:
            return  # cut off by close(): not a failure
        problem = _error_line(stderr)
        if process.returncode != 0 or problem:
            raise SpeechError(f"{self.name} could not speak: {problem or f'exit code {process.returncode}'}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()


def _error_line(stderr: str) -> str | None:
    """The engine's own error, if it printed one (espeak-ng exits 0 without a sound device)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    audio = [line for line in lines if "pcm" in line.lower() or "alsa" in line.lower()]
    if audio:
        # ALSA prints a dozen lines; the PCM one says what is missing ("Unknown PCM default").
        detail = next((line for line in reversed(audio) if "pcm" in line.lower()), audio[-1])
        return f"no sound output device ({detail.rsplit(')', 1)[-1].strip() or detail})"
    errors = [line for line in lines if line.lower().startswith("error") or "error:" in line.lower()]
    return errors[-1] if errors else None


class EspeakSpeaker(CommandSpeaker):
    """espeak-ng (or the older espeak). With `wav_dir`, writes one WAV per utterance instead of playing."""

    def __init__(
        self,
        executable: str = "espeak-ng",
        rate_wpm: int = ESPEAK_RATE_WPM,
        wav_dir: Path | None = None,
    ) -> None:
        super().__init__([executable, "-s", str(rate_wpm), "--stdin"], Path(executable).stem)
        self.wav_dir = wav_dir
        self.wav_paths: list[Path] = []

    def command(self, text: str) -> list[str]:
        if self.wav_dir is None:
            return self.argv
        path = self.wav_dir / f"utterance-{len(self.wav_paths) + 1:04d}.wav"
        self.wav_paths.append(path)
        return [*self.argv, "-w", str(path)]


class SaySpeaker(CommandSpeaker):
    """macOS's built-in `say` (the system voice); it reads standard input when given no text."""

    def __init__(self, executable: str = "say") -> None:
        super().__init__([executable], "say")


# Reads the whole of standard input as UTF-8 and speaks it with the Windows system voice.
_SAPI_SCRIPT = (
    "[Console]::InputEncoding = [Text.Encoding]::UTF8; "
    "Add-Type -AssemblyName System.Speech; "
    "(New-Object System.Speech.Synthesis.SpeechSynthesizer).Speak([Console]::In.ReadToEnd())"
)


class SapiSpeaker(CommandSpeaker):
    """Windows' system voice (SAPI, System.Speech) through PowerShell: no Python package needed.

    PowerShell takes about a second to start, so cues come a little late; `pip install
    pyttsx3` gives the same voice in-process (see `Pyttsx3Speaker`).
    """

    def __init__(self, executable: str = "powershell") -> None:
        super().__init__([executable, "-NoProfile", "-NonInteractive", "-Command", _SAPI_SCRIPT], "sapi")


class Pyttsx3Speaker(Speaker):
    """pyttsx3 (SAPI on Windows, NSSpeechSynthesizer on macOS, espeak on Linux), if installed.

    The engine is created on the thread that speaks: pyttsx3 engines must stay on one thread.
    """

    name = "pyttsx3"

    def __init__(self) -> None:
        self._engine: Any = None
        self._closed = False

    def say(self, text: str, t_s: float) -> None:
        if self._closed:
            return
        try:
            if self._engine is None:
                self._engine = importlib.import_module("pyttsx3").init()
            self._engine.say(text)
            self._engine.runAndWait()
        except Exception as exc:  # pyttsx3 raises driver-specific errors of many kinds
            raise SpeechError(f"pyttsx3 could not speak: {exc}") from None

    def close(self) -> None:
        self._closed = True
        if self._engine is not None:
            # Stopping a driver that is already gone is fine.
            with contextlib.suppress(Exception):
                self._engine.stop()


def _module_available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _platform_order() -> list[str]:
    if sys.platform == "darwin":
        return ["say", "pyttsx3", "espeak-ng", "espeak"]
    if sys.platform == "win32":
        return ["pyttsx3", "sapi", "espeak-ng", "espeak"]
    return ["espeak-ng", "espeak", "pyttsx3"]


def _open_engine(name: str) -> Speaker | None:
    """The engine named, if this machine has it."""
    if name in ("espeak-ng", "espeak"):
        path = shutil.which(name)
        return EspeakSpeaker(path) if path else None
    if name == "say":
        path = shutil.which("say")
        return SaySpeaker(path) if path else None
    if name == "sapi":
        path = shutil.which("powershell") or shutil.which("pwsh")
        return SapiSpeaker(path) if path and sys.platform == "win32" else None
    if name == "pyttsx3":
        return Pyttsx3Speaker() if _module_available("pyttsx3") else None
    return SilentSpeaker()


def make_speaker(prefer: str | None = None) -> tuple[Speaker, str | None]:
    """The best offline speech engine here (`prefer` first if it exists), and a notice or None.

    Never raises: without any engine it returns a `SilentSpeaker` and one line saying
    how to get one. `prefer` is one of `ENGINES` ("silent" turns the voice off).
    """
    if prefer == "silent":
        return SilentSpeaker(), None
    if prefer is not None and prefer not in ENGINES:
        return (
            SilentSpeaker(),
            f"voice off: unknown speech engine {prefer!r}; choose one of {', '.join(ENGINES)}",
        )
    order = _platform_order()
    if prefer is not None:
        order = [prefer, *(name for name in order if name != prefer)]
    for name in order:
        speaker = _open_engine(name)
        if speaker is not None:
            notice = None if prefer in (None, name) else f"voice: {prefer} not found, using {name}"
            return speaker, notice
    return SilentSpeaker(), NO_ENGINE_NOTICE

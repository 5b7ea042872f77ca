"""Spoken cues: the cue the arbiter put on screen, said aloud once, plus hold milestones.

The API the live loop uses::

    from posecheck.voice import VoiceCoach, make_speaker

    speaker, notice = make_speaker()          # or make_speaker("espeak-ng"); never raises
    if notice:
        print(notice)                         # one line, e.g. "voice off: no speech engine ..."
    coach = VoiceCoach(speaker, cooldown_s=8.0)
    for frame in camera:
        result = engine.step(pose, frame.timestamp_s, frame.index)
        said = coach.update(result)           # the text decided on this frame, or None; never blocks
        ...
        if coach.problem:                     # the engine failed while speaking (once, then silent)
            ...
    coach.close()                             # stops speech and its thread

`VoiceCoach` only *decides* (pure, time from `result.timestamp_s`): it speaks the
screen's cue when it first appears, repeats it only after `cooldown_s` while it is
still shown or when a different correction replaced it, confirms a fix it asked for,
and says hold milestones ("Ten seconds left", "Left side done - switch sides",
"All done"). Speaking happens on one background thread with a single-slot mailbox,
so the frame loop never waits and no backlog builds up: only the newest utterance
is kept. Speakers: `EspeakSpeaker` (espeak-ng / espeak, Linux), `SaySpeaker` (macOS
`say`), `SapiSpeaker` (Windows System.Speech through PowerShell), `Pyttsx3Speaker`
(if pyttsx3 is installed), `SilentSpeaker`, and `RecordingSpeaker` for tests.
"""

from posecheck.voice.coach import Utterance, VoiceCoach
from posecheck.voice.speakers import (
    CommandSpeaker,
    EspeakSpeaker,
    Pyttsx3Speaker,
    RecordingSpeaker,
    SapiSpeaker,
    SaySpeaker,
    SilentSpeaker,
    Speaker,
    SpeechError,
    make_speaker,
)

__all__ = [
    "CommandSpeaker",
    "EspeakSpeaker",
    "Pyttsx3Speaker",
    "RecordingSpeaker",
    "SapiSpeaker",
    "SaySpeaker",
    "SilentSpeaker",
    "Speaker",
    "SpeechError",
    "Utterance",
    "VoiceCoach",
    "make_speaker",
]

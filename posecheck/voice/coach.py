"""VoiceCoach: what to say on each frame, from the cue on screen and the hold timers. Pure decisions.

The voice never chooses its own cue: it says the one the `CueArbiter` put on screen
(so screen and voice always agree), and adds only hold milestones. Time is the
frames' timestamps, so a recorded clip gives the same utterances on any machine.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, replace

from posecheck.results import Cue, FrameResult, HoldState
from posecheck.voice.speakers import Speaker, SpeechError

# Cues that ask the person to do something: said again after the cooldown while still shown.
REMINDED_KINDS = ("correction", "visibility", "entry")
# Cues said when they appear: the above, confirmations of a fix, and a dynamic move's next phase.
SPOKEN_KINDS = (*REMINDED_KINDS, "confirmation", "status")

TEN_LEFT_S = 10.0
# "Ten seconds left" only makes sense when the hold is clearly longer than ten seconds.
TEN_LEFT_MIN_TARGET_S = 15.0
# "Halfway" on long holds only: on a 30 s hold it would come 5 s before "ten seconds left".
HALFWAY_MIN_TARGET_S = 40.0
# A milestone waits for a quiet moment this long at most; later it would be wrong ("ten left" at 6).
MILESTONE_WAIT_S = {"ten_left": 2.0, "halfway": 2.0, "done": 5.0}

_TIME_EPS_S = 1e-6  # frame times are sums of float steps: a cooldown that is due must not slip a frame
# A status line ending in a ticking count ("Get ready: ... - 3") is said once, without the count.
_TRAILING_COUNT = re.compile(r"\s*[-:]?\s*\d+\s*$")


@dataclass(frozen=True)
class Utterance:
    """One thing said, at the frame time it was decided."""

    t_s: float
    text: str
    kind: str  # a cue kind ("correction", "confirmation", ...) or "milestone"
    rule_id: str | None = None
    reminder: bool = False  # the same cue said again after the cooldown


@dataclass(frozen=True)
class _Pending:
    utterance: Utterance
    until_s: float


class VoiceCoach:
    """Decides utterances frame by frame and hands them to a speaker without waiting for it.

    - a cue is said when it first appears on screen;
    - the same cue is not said again until `cooldown_s` has passed since it was last
      said (then, while it is still shown, as a reminder), unless a different
      correction was said in between (the fault changed);
    - a fix is confirmed ("Good - knee over the ankle") only if its correction was said;
    - hold milestones: "Ten seconds left", "Halfway" (holds of 40 s or more), "<Side>
      side done - switch sides", "All done"; they wait for `min_gap_s` of quiet after
      the last utterance and are dropped when they would come too late.
    """

    def __init__(
        self,
        speaker: Speaker,
        cooldown_s: float = 8.0,
        *,
        min_gap_s: float = 1.5,
        stale_after_s: float = 3.0,
        announce_done: bool = True,
        history: int = 1000,
    ) -> None:
        """`announce_done=False` leaves "switch sides" / "all done" to a routine that says them itself."""
        self.speaker = speaker
        self.cooldown_s = cooldown_s
        self.min_gap_s = min_gap_s
        self.announce_done = announce_done
        self.said: deque[Utterance] = deque(maxlen=history)  # newest last, for tests and logs
        self._problem: str | None = None
        self._thread = None if speaker.instant else _SpeechThread(speaker, stale_after_s)
        self.reset()

    def reset(self) -> None:
        """Forget what was shown and said (a new stretch); the speaker keeps running."""
        self._shown: tuple[str, str | None, str] | None = None  # (kind, rule, text as said) on screen
        self._last_said_s: dict[str, float] = {}
        self._last_instruction: str | None = None  # the last correction/entry/visibility/status said
        self._awaiting_confirmation: set[str] = set()  # rules whose correction was said, not yet fixed
        self._done: dict[str, bool] = {}
        self._holds: dict[str, tuple[HoldState, float]] = {}  # side -> (state, held_s) on the last frame
        self._pending: list[_Pending] = []
        self._last_utterance_s = -math.inf

    @property
    def problem(self) -> str | None:
        """Why the speech engine stopped working (once it failed, the voice stays silent)."""
        return self._problem or (self._thread.problem if self._thread is not None else None)

    def update(self, result: FrameResult) -> str | None:
        """What to say on this frame (already handed to the speaker), or None. Never blocks."""
        t_s = result.timestamp_s
        self._note_milestones(result, t_s)
        utterance = self._cue_utterance(result.cue, t_s) or self._due_milestone(t_s)
        if utterance is None:
            return None
        self._say(utterance)
        return utterance.text

    def close(self, finish_s: float = 0.0) -> None:
        """Stop speaking and end the speech thread, letting speech under way finish for up to `finish_s`.

        A live session's last words ("All done") need `finish_s` of a few seconds.
        """
        if self._thread is not None:
            self._thread.close(finish_s)
        else:
            self.speaker.close()

    # -- decisions -------------------------------------------------------------------

    def _cue_utterance(self, cue: Cue | None, t_s: float) -> Utterance | None:
        shown = None if cue is None else (cue.kind, cue.rule_id, spoken_text(cue))
        appeared = shown != self._shown
        self._shown = shown
        if cue is None or shown is None or cue.kind not in SPOKEN_KINDS:
            return None
        text = shown[2]
        if cue.kind == "confirmation":
            # Confirm only what the voice asked for; a fix of an unspoken fault needs no praise.
            if appeared and cue.rule_id in self._awaiting_confirmation:
                return Utterance(t_s, text, cue.kind, cue.rule_id)
            return None
        cooled = t_s - self._last_said_s.get(text, -math.inf) >= self.cooldown_s - _TIME_EPS_S
        if appeared and (cooled or self._last_instruction != text):
            return Utterance(t_s, text, cue.kind, cue.rule_id)
        if not appeared and cooled and cue.kind in REMINDED_KINDS:
            return Utterance(t_s, text, cue.kind, cue.rule_id, reminder=True)
        return None

    def _note_milestones(self, result: FrameResult, t_s: float) -> None:
        statuses = result.holds or ((result.hold,) if result.hold is not None else ())
        for status in statuses:
            before = self._holds.get(status.side)
            self._holds[status.side] = (status.state, status.held_s)
            if before is None or status.state is not HoldState.HOLDING:
                continue
            held_before_s, target_s = before[1], status.target_s
            if target_s > TEN_LEFT_MIN_TARGET_S and held_before_s < target_s - TEN_LEFT_S <= status.held_s:
                self._queue("Ten seconds left", "ten_left", t_s)
            elif target_s >= HALFWAY_MIN_TARGET_S and held_before_s < target_s / 2 <= status.held_s:
                self._queue("Halfway", "halfway", t_s)
        done = {h.side: h.state is HoldState.DONE for h in statuses}
        if result.reps is not None:
            done = {side: n >= result.reps.target for side, n in result.reps.counts.items()}
        for side, finished in done.items():
            if finished and self._done.get(side) is False and self.announce_done:
                self._queue(_done_text(side, done), "done", t_s)
        self._done.update(done)

    def _queue(self, text: str, what: str, t_s: float) -> None:
        self._pending.append(_Pending(Utterance(t_s, text, "milestone"), t_s + MILESTONE_WAIT_S[what]))

    def _due_milestone(self, t_s: float) -> Utterance | None:
        self._pending = [p for p in self._pending if t_s <= p.until_s + _TIME_EPS_S]
        if not self._pending or t_s - self._last_utterance_s < self.min_gap_s - _TIME_EPS_S:
            return None
        return replace(self._pending.pop(0).utterance, t_s=t_s)

    # -- speaking --------------------------------------------------------------------

    def _say(self, utterance: Utterance) -> None:
        self.said.append(utterance)
        self._last_said_s[utterance.text] = utterance.t_s
        self._last_utterance_s = utterance.t_s
        if utterance.kind in (*REMINDED_KINDS, "status"):
            self._last_instruction = utterance.text
        if utterance.rule_id is not None:
            if utterance.kind == "correction":
                self._awaiting_confirmation.add(utterance.rule_id)
            elif utterance.kind == "confirmation":
                self._awaiting_confirmation.discard(utterance.rule_id)
        if self._thread is not None:
            self._thread.submit(utterance.text, utterance.t_s)
        elif self._problem is None:
            try:
                self.speaker.say(utterance.text, utterance.t_s)
            except SpeechError as exc:
                self._problem = str(exc)


def spoken_text(cue: Cue) -> str:
    """What is said for a cue: its text, but a status line's ticking count is left out."""
    if cue.kind == "status":
        return _TRAILING_COUNT.sub("", cue.text) or cue.text
    return cue.text


def _done_text(side: str, done: dict[str, bool]) -> str:
    if all(done.values()) or side == "both":
        return "All done"
    return f"{side.capitalize()} side done - switch sides"


class _SpeechThread:
    """One worker thread with a single-slot mailbox: a new utterance replaces one not yet begun.

    So speech never lags behind the picture by more than the sentence being said, and
    an utterance that waited longer than `stale_after_s` (wall clock: real audio time)
    is dropped rather than said late.
    """

    def __init__(self, speaker: Speaker, stale_after_s: float) -> None:
        self.speaker = speaker
        self.stale_after_s = stale_after_s
        self.problem: str | None = None
        self.dropped = 0
        self._condition = threading.Condition()
        self._slot: tuple[str, float, float] | None = None  # text, frame time, monotonic time queued
        self._speaking = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="posecheck-voice", daemon=True)
        self._thread.start()

    def submit(self, text: str, t_s: float) -> None:
        with self._condition:
            if self._slot is not None:
                self.dropped += 1
            self._slot = (text, t_s, time.monotonic())
            self._condition.notify()

    def close(self, finish_s: float = 0.0) -> None:
        with self._condition:
            # Let what is being said (and what waits) finish, but never hang the caller.
            self._condition.wait_for(self._idle, timeout=finish_s)
            self._closed = True
            self._condition.notify_all()
        self.speaker.close()
        self._thread.join(2.0)

    def _idle(self) -> bool:
        return (self._slot is None or self.problem is not None) and not self._speaking

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._slot is None and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                assert self._slot is not None
                (text, t_s, queued), self._slot = self._slot, None
                stale = time.monotonic() - queued > self.stale_after_s
                self.dropped += stale
                self._speaking = not stale
                self._condition.notify_all()
            if stale:
                continue
            try:
                self.speaker.say(text, t_s)
            except SpeechError as exc:
                # Fail soft: one notice, then silence (the cues stay on screen).
                self.problem = str(exc)
                return
            except Exception as exc:  # a broken engine must not take the coaching down with it
                self.problem = f"{self.speaker.name} failed: {exc}"
                return
            finally:
                with self._condition:
                    self._speaking = False
                    self._condition.notify_all()

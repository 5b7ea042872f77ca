"""CueArbiter: the most urgent cue wins, a shown cue stays readable, a fixed fault is confirmed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from posecheck.checks.cues import PRIORITY, CueArbiter, CueCandidate
from posecheck.results import Cue

FPS = 30
MIN_SHOW_S, CONFIRM_S, CLEAR_AFTER_S = 1.5, 2.0, 0.5


def candidate(text: str, kind: str, rule_id: str | None = None, severity: str | None = None) -> CueCandidate:
    return CueCandidate(Cue(text, kind, rule_id), PRIORITY[severity or kind])


CANT_SEE = candidate("Can't see your left knee", "visibility")
NO_PERSON = candidate("No person found: step into view", "visibility")
ENTRY = candidate("Kneel on your back knee", "entry")
KNEE = candidate("Front knee past the ankle", "correction", "knee-over-ankle", "critical")
TORSO = candidate("Lift your chest", "correction", "torso-upright", "critical")
HIPS = candidate("Push your hips forward", "correction", "back-hip-extended", "advisory")
FEET = candidate("Feet hip-width apart", "correction", "feet-apart", "advisory")
CONFIRMATIONS = {"knee-over-ankle": "Good - knee over the ankle", "torso-upright": "Good - torso upright"}
KNEE_OK, TORSO_OK = CONFIRMATIONS["knee-over-ankle"], CONFIRMATIONS["torso-upright"]


def timeline(phases: Sequence[tuple[float, list[CueCandidate]]]) -> list[tuple[float, str | None]]:
    """Run phases of (duration_s, candidates) at 30 fps; the text shown at each frame."""
    arbiter = CueArbiter(MIN_SHOW_S, CONFIRM_S, CLEAR_AFTER_S)
    shown: list[tuple[float, str | None]] = []
    frame, end_s = 0, 0.0
    for duration_s, candidates in phases:
        end_s += duration_s
        while (t_s := frame / FPS) < end_s - 1e-9:
            cue = arbiter.update(t_s, list(candidates), CONFIRMATIONS)
            assert cue is arbiter.current
            shown.append((t_s, cue.text if cue else None))
            frame += 1
    return shown


def shown_at(shown: list[tuple[float, str | None]], t_s: float) -> str | None:
    return [text for t, text in shown if t <= t_s][-1]


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        pytest.param([], None, id="nothing-wrong-no-cue"),
        pytest.param([HIPS], HIPS, id="single-advisory"),
        pytest.param([HIPS, KNEE], KNEE, id="critical-beats-advisory"),
        pytest.param([KNEE, ENTRY], ENTRY, id="entry-beats-critical"),
        pytest.param([HIPS, ENTRY, CANT_SEE, KNEE], CANT_SEE, id="visibility-beats-all"),
        pytest.param([KNEE, TORSO], KNEE, id="tie-first-in-spec-order"),
        pytest.param([TORSO, KNEE], TORSO, id="tie-order-given"),
        pytest.param([FEET, HIPS, TORSO], TORSO, id="critical-after-advisories"),
        pytest.param([CANT_SEE, NO_PERSON], CANT_SEE, id="visibility-tie-first"),
    ],
)
def test_most_urgent_candidate_wins(candidates: list[CueCandidate], expected: CueCandidate | None) -> None:
    cue = CueArbiter().update(0.0, candidates, CONFIRMATIONS)
    assert cue == (expected.cue if expected else None)


def test_priority_classes_in_order() -> None:
    order = ["visibility", "entry", "critical", "advisory", "confirmation", "status"]
    assert sorted(PRIORITY, key=PRIORITY.__getitem__) == order


SCENARIOS = [
    pytest.param(
        [(5.0, [KNEE])],
        [(0.0, KNEE.cue.text), (4.9, KNEE.cue.text)],
        id="a-lasting-fault-keeps-its-cue",
    ),
    pytest.param(
        [(3.0, [])],
        [(0.0, None), (2.9, None)],
        id="nothing-wrong-never-a-cue",
    ),
    pytest.param(
        [(2.0, [KNEE]), (4.0, [])],
        # The confirmation ends exactly confirm_s after it appeared: no clear_after_s for it.
        [(1.9, KNEE.cue.text), (2.0, KNEE_OK), (3.95, KNEE_OK), (4.0, None), (5.9, None)],
        id="fixed-correction-is-confirmed-for-confirm-s-then-quiet",
    ),
    pytest.param(
        [(0.5, [KNEE]), (5.5, [])],
        # Fixed after 0.5 s: the correction stays its 1.5 s, then the confirmation its 2 s.
        [(0.4, KNEE.cue.text), (1.45, KNEE.cue.text), (1.55, KNEE_OK), (3.45, KNEE_OK), (3.55, None)],
        id="fixed-early-correction-still-shows-min-show-then-confirms",
    ),
    pytest.param(
        [(2.0, [HIPS]), (3.0, [])],
        # Nothing wanted from 2.0 s: the text stays clear_after_s, then goes.
        [(1.9, HIPS.cue.text), (2.45, HIPS.cue.text), (2.5, None), (4.9, None)],
        id="fix-without-confirmation-text-goes-quiet-after-clear-after-s",
    ),
    pytest.param(
        [(2.0, [ENTRY]), (3.0, [])],
        [(1.9, ENTRY.cue.text), (2.45, ENTRY.cue.text), (2.5, None)],
        id="entry-cue-is-not-confirmed",
    ),
    pytest.param(
        [(2.0, [CANT_SEE]), (3.0, [])],
        [(1.9, CANT_SEE.cue.text), (2.45, CANT_SEE.cue.text), (2.5, None)],
        id="visibility-cue-goes-after-clear-after-s",
    ),
    pytest.param(
        [(0.5, [HIPS]), (3.0, [])],
        # Fixed early: the correction still stays its min_show_s; it is gone soon after.
        [(0.4, HIPS.cue.text), (1.45, HIPS.cue.text), (2.05, None), (3.4, None)],
        id="fixed-early-without-confirmation-shows-min-show",
    ),
    pytest.param(
        [(2.0, [HIPS]), (0.4, []), (2.0, [HIPS])],
        # Wanted again before clear_after_s passed: the text never blanks.
        [(1.9, HIPS.cue.text), (2.2, HIPS.cue.text), (2.39, HIPS.cue.text), (2.45, HIPS.cue.text)],
        id="a-lapse-shorter-than-clear-after-s-keeps-the-cue",
    ),
    pytest.param(
        [(2.0, [HIPS]), (0.3, []), (2.0, [FEET])],
        # Another cue wanted during the lapse: it replaces the old one at once (min_show_s is over).
        [(2.25, HIPS.cue.text), (2.35, FEET.cue.text), (4.25, FEET.cue.text)],
        id="a-new-cue-during-the-lapse-shows-at-once",
    ),
    pytest.param(
        [(2.0, [HIPS]), (0.6, []), (2.0, [HIPS])],
        # Gone for longer than clear_after_s: blank from 2.5 s, the cue back at once at 2.6 s.
        [(2.45, HIPS.cue.text), (2.5, None), (2.55, None), (2.65, HIPS.cue.text)],
        id="a-lapse-longer-than-clear-after-s-clears-the-cue",
    ),
    pytest.param(
        [(2.0, [KNEE, HIPS]), (3.0, [HIPS])],
        # An open advisory is more urgent than a confirmation.
        [(1.9, KNEE.cue.text), (2.05, HIPS.cue.text), (4.9, HIPS.cue.text)],
        id="fix-while-an-advisory-waits-shows-the-advisory",
    ),
    pytest.param(
        [(2.0, [KNEE]), (2.0, [TORSO])],
        [(1.9, KNEE.cue.text), (2.05, TORSO.cue.text)],
        id="one-fault-fixed-another-appears",
    ),
    pytest.param(
        [(2.0, [KNEE]), (0.5, []), (3.0, [TORSO])],
        # The confirmation is on screen from 2.0 s; the new fault waits until 3.5 s.
        [(2.05, KNEE_OK), (2.6, KNEE_OK), (3.45, KNEE_OK), (3.55, TORSO.cue.text)],
        id="new-fault-replaces-the-confirmation-after-min-show",
    ),
    pytest.param(
        [(2.0, [KNEE]), (0.5, []), (3.0, [KNEE])],
        [(2.05, KNEE_OK), (3.45, KNEE_OK), (3.55, KNEE.cue.text)],
        id="same-fault-back-during-confirmation",
    ),
    pytest.param(
        [(0.5, [HIPS]), (3.0, [CANT_SEE, ENTRY])],
        # Even the most urgent cue waits until the one on screen has been readable.
        [(0.45, HIPS.cue.text), (1.45, HIPS.cue.text), (1.55, CANT_SEE.cue.text)],
        id="urgent-cue-waits-for-min-show",
    ),
    pytest.param(
        [(3.0, []), (1.0, [KNEE])],
        [(2.9, None), (3.0, KNEE.cue.text)],
        id="a-cue-after-silence-appears-at-once",
    ),
    pytest.param(
        [(2.0, [KNEE]), (2.0, [CANT_SEE])],
        # Not seeing the knee is not the same as the knee being fixed: no "Good".
        [(2.05, CANT_SEE.cue.text), (3.9, CANT_SEE.cue.text)],
        id="fault-replaced-by-visibility-is-not-confirmed",
    ),
]


@pytest.mark.parametrize(("phases", "probes"), SCENARIOS)
def test_cue_timeline(
    phases: list[tuple[float, list[CueCandidate]]], probes: list[tuple[float, str | None]]
) -> None:
    shown = timeline(phases)
    assert [(t, shown_at(shown, t)) for t, _ in probes] == probes


def test_clear_after_counts_from_when_the_cue_stopped_being_wanted() -> None:
    shown = timeline([(0.5, [HIPS]), (3.0, [])])
    # min_show_s ends at 1.5 s, by when nothing has wanted the cue for 1.0 s > clear_after_s.
    assert shown_at(shown, 1.45) == HIPS.cue.text
    assert shown_at(shown, 1.55) is None


def _runs(shown: list[tuple[float, str | None]]) -> list[tuple[float, float, str | None]]:
    """(start_s, end_s, text) of each stretch of frames showing the same thing."""
    runs: list[tuple[float, float, str | None]] = []
    for t, text in shown:
        if runs and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], t, text)
        else:
            runs.append((t, t, text))
    return runs


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param([[KNEE], [TORSO]], id="two-critical-faults"),
        pytest.param([[KNEE], [HIPS]], id="critical-and-advisory"),
        pytest.param([[KNEE], [CANT_SEE]], id="fault-and-visibility"),
        pytest.param([[KNEE], [TORSO], [HIPS]], id="three-way"),
        pytest.param([[KNEE], []], id="confirmable-fault-on-off"),
    ],
)
def test_alternating_candidates_frame_by_frame_do_not_flicker(pattern: list[list[CueCandidate]]) -> None:
    phases = [(1 / FPS, pattern[i % len(pattern)]) for i in range(10 * FPS)]
    runs = _runs(timeline(phases))
    assert len(runs) >= 3  # the arbiter does move on
    for start_s, end_s, text in runs[:-1]:
        # A run ends one frame before the next starts: it was on screen for end - start + 1 frame.
        assert end_s - start_s + 1 / FPS >= MIN_SHOW_S - 1e-9, (start_s, end_s, text)


@pytest.mark.parametrize("cue", [HIPS, CANT_SEE, ENTRY], ids=["advisory", "visibility", "entry"])
@pytest.mark.parametrize("off_frames", [1, 5, 14], ids=lambda n: f"off-{n}-frames")
def test_a_cue_that_comes_and_goes_stays_on_screen(cue: CueCandidate, off_frames: int) -> None:
    """A candidate that drops out for less than clear_after_s (e.g. a landmark whose visibility
    hovers at min_visibility) never blanks the text, however long it goes on."""
    assert off_frames / FPS < CLEAR_AFTER_S
    period = off_frames + 1
    phases = [(1 / FPS, [cue] if i % period == 0 else []) for i in range(10 * FPS)]
    shown = timeline(phases)
    assert [text for _, text in shown] == [cue.cue.text] * len(phases)


def test_reset_forgets_the_cue_on_screen() -> None:
    arbiter = CueArbiter(MIN_SHOW_S, CONFIRM_S)
    assert arbiter.update(0.0, [KNEE], CONFIRMATIONS) == KNEE.cue
    arbiter.reset()
    assert arbiter.current is None
    # Nothing on screen any more: a new cue shows at once, and the old fault is not "confirmed".
    assert arbiter.update(0.1, [], CONFIRMATIONS) is None
    assert arbiter.update(0.2, [HIPS], CONFIRMATIONS) == HIPS.cue


def test_confirmation_cue_names_its_rule() -> None:
    arbiter = CueArbiter(MIN_SHOW_S, CONFIRM_S)
    arbiter.update(0.0, [KNEE], CONFIRMATIONS)
    assert arbiter.update(2.0, [], CONFIRMATIONS) == Cue(KNEE_OK, "confirmation", "knee-over-ankle")

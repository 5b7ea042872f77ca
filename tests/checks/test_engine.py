"""Engine end to end on hand-built poses: the real kneeling hip flexor spec, 30 fps timestamps.

The skeleton is a side view of a kneeling lunge in a 1280x720 picture: facing image-right,
left foot forward (shin vertical, knee over the ankle), right knee on the floor, torso upright.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.poses import (
    FPS,
    FRONT_FOOT_HIDDEN,
    FRONT_FOOT_OUT_OF_PICTURE,
    FRONT_KNEE_HIDDEN,
    GOOD_FORM,
    KNEE_PAST_TOES,
    KNEE_PAST_TOES_LEAN_DEG,
    KNEE_RULE,
    make_pose,
)

from posecheck.checks.engine import Engine
from posecheck.pose.landmarks import Pose
from posecheck.results import FrameResult, HoldState, Verdict
from posecheck.spec.loader import load_spec
from posecheck.spec.model import StretchSpec


@pytest.fixture(scope="module")
def kneeling_hip_flexor(specs_dir: Path) -> StretchSpec:
    return load_spec(specs_dir / "kneeling-hip-flexor.yaml")


class Clip:
    """Feeds an engine frame by frame at 30 fps and keeps every result."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.frame = 0
        self.results: list[FrameResult] = []

    @property
    def t_s(self) -> float:
        return self.frame / FPS

    def play(self, pose: Pose | None, seconds: float) -> list[FrameResult]:
        out = []
        for _ in range(round(seconds * FPS)):
            out.append(self.engine.step(pose, self.t_s, self.frame))
            self.frame += 1
        self.results += out
        return out


@pytest.fixture
def clip(kneeling_hip_flexor: StretchSpec) -> Iterator[Clip]:
    yield Clip(Engine(kneeling_hip_flexor))


def check(result: FrameResult, rule_id: str = KNEE_RULE) -> Verdict:
    return next(c.verdict for c in result.checks if c.rule_id == rule_id)


# --- good form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("swap_legs", "mirror", "side", "facing"),
    [
        pytest.param(False, False, "left", 1, id="left-leg-forward-facing-right"),
        pytest.param(True, False, "right", 1, id="right-leg-forward-facing-right"),
        pytest.param(False, True, "left", -1, id="left-leg-forward-facing-left"),
        pytest.param(True, True, "right", -1, id="right-leg-forward-facing-left"),
    ],
)
def test_good_form_holds_on_the_forward_leg(
    clip: Clip, swap_legs: bool, mirror: bool, side: str, facing: int
) -> None:
    results = clip.play(make_pose(swap_legs=swap_legs, mirror=mirror), 3.0)
    first, last = results[0], results[-1]
    for result in (first, last):
        assert (result.side, result.facing, result.in_pose) == (side, facing, True)
        assert all(c.verdict is Verdict.PASS for c in result.checks), result.checks
        assert result.cue is None
        assert result.missing_landmarks == ()
    # The relative names resolve to the forward leg's own landmarks.
    assert last.measurements["front_knee"].landmarks == (f"{side}_hip", f"{side}_knee", f"{side}_ankle")
    assert last.measurements["front_knee"].anchor == f"{side}_knee"
    assert last.measurements["front_knee"].value == pytest.approx(93.6, abs=0.1)
    assert last.measurements["shin_lean"].value == pytest.approx(0.0, abs=1e-6)
    assert last.measurements["torso_lean"].value == pytest.approx(2.0, abs=0.1)  # a touch forward
    assert last.measurements["back_thigh"].value == pytest.approx(25.2, abs=0.1)  # hip ahead of the knee
    # The hold runs from the first frame: held time = elapsed frame time.
    assert last.hold is not None
    assert (last.hold.side, last.hold.state) == (side, HoldState.HOLDING)
    assert last.hold.held_s == pytest.approx(last.timestamp_s, abs=1 / FPS)
    other = {"left": "right", "right": "left"}[side]
    assert {h.side: h.state for h in last.holds} == {side: HoldState.HOLDING, other: HoldState.WAITING}


def test_hold_reaches_the_target_and_stays_done(clip: Clip, kneeling_hip_flexor: StretchSpec) -> None:
    target_s = kneeling_hip_flexor.hold.target_s
    results = clip.play(GOOD_FORM, target_s + 2.0)
    done = [r for r in results if r.hold is not None and r.hold.state is HoldState.DONE]
    assert done, "the hold never finished"
    assert done[0].timestamp_s == pytest.approx(target_s, abs=1 / FPS)
    assert all(r.hold is not None and r.hold.held_s == target_s for r in done)
    assert results[-1].hold is not None and results[-1].hold.state is HoldState.DONE


# --- a fault, its correction and its confirmation ---------------------------------------


def test_knee_past_the_toes_fails_pauses_and_is_corrected(
    clip: Clip, kneeling_hip_flexor: StretchSpec
) -> None:
    rule = next(r for r in kneeling_hip_flexor.rules if r.id == KNEE_RULE)
    clip.play(GOOD_FORM, 1.0)
    t_move = clip.t_s
    fault = clip.play(make_pose(KNEE_PAST_TOES), 2.0)

    # Still in the pose (the entry conditions are wide), the measurement well over the limit.
    assert all(r.in_pose for r in fault)
    assert fault[-1].measurements["shin_lean"].value == pytest.approx(KNEE_PAST_TOES_LEAN_DEG, abs=0.05)
    failing = [r for r in fault if check(r) is Verdict.FAIL_HIGH]
    assert failing, "the knee rule never failed"
    t_fail = failing[0].timestamp_s
    # Only after min_duration_s of frame time (plus a little smoothing lag), and then for good.
    assert t_move + rule.min_duration_s - 1e-9 <= t_fail <= t_move + rule.min_duration_s + 0.2
    assert failing == fault[fault.index(failing[0]) :]

    # The hold pauses on the failing frame and keeps its time.
    held_at_fail = failing[0].hold.held_s if failing[0].hold else math.nan
    assert held_at_fail == pytest.approx(t_fail, abs=2 / FPS)
    for result in failing:
        assert result.hold is not None
        assert (result.hold.state, result.hold.held_s) == (HoldState.PAUSED, held_at_fail)
    # The cue is the knee correction, pointing at the front knee: the critical tier's
    # (the advisory tier, knee past the ankle, fails too but gives way to it).
    assert failing[0].cue is not None
    assert (failing[0].cue.kind, failing[0].cue.rule_id, failing[0].cue.text) == (
        "correction",
        KNEE_RULE,
        rule.cue,
    )
    assert failing[0].cue.landmarks == ("left_knee",)
    assert all(r.cue == failing[0].cue for r in failing)

    # Fixed: the rule passes again after its min duration, the hold resumes, "Good" is said.
    t_fix = clip.t_s
    fixed = clip.play(GOOD_FORM, 3.0)
    passing = [r for r in fixed if check(r) is Verdict.PASS]
    assert passing and passing == fixed[fixed.index(passing[0]) :]
    assert t_fix + rule.min_duration_s - 1e-9 <= passing[0].timestamp_s <= t_fix + rule.min_duration_s + 0.3
    assert passing[0].cue is not None
    assert (passing[0].cue.kind, passing[0].cue.text) == ("confirmation", rule.confirm)
    assert passing[0].hold is not None and passing[0].hold.state is HoldState.HOLDING
    assert fixed[-1].hold is not None
    assert fixed[-1].hold.held_s == pytest.approx(
        held_at_fail + (fixed[-1].timestamp_s - passing[0].timestamp_s), abs=2 / FPS
    )
    # The confirmation goes after its time; nothing is wrong, so then no cue at all.
    assert fixed[-1].cue is None


def test_hidden_front_knee_is_unknown_not_stale(clip: Clip) -> None:
    clip.play(GOOD_FORM, 1.0)
    fault = clip.play(make_pose(KNEE_PAST_TOES), 2.0)
    assert check(fault[-1]) is Verdict.FAIL_HIGH
    hidden = clip.play(make_pose(KNEE_PAST_TOES, FRONT_KNEE_HIDDEN), 1.0)
    first = hidden[0]
    # The very first blind frame forgets the old verdict.
    assert check(first) is Verdict.UNKNOWN
    assert math.isnan(next(c.value for c in first.checks if c.rule_id == KNEE_RULE))
    assert math.isnan(first.measurements["front_knee"].value)
    assert not first.in_pose  # the entry needs the front knee angle
    assert first.side == "left"  # the ankles still say which leg is forward
    assert "left_knee" in first.missing_landmarks
    # The correction has been on screen long enough: the visibility cue replaces it at once.
    assert first.cue is not None
    assert first.cue.kind == "visibility"
    assert first.cue.text == "Can't see your left knee: turn side-on to the camera"
    assert first.cue.landmarks == ("left_knee",)
    assert all(r.cue == first.cue and check(r) is Verdict.UNKNOWN for r in hidden)
    # The hold is paused, not counted.
    assert all(r.hold is not None and r.hold.state is HoldState.PAUSED for r in hidden)
    # Seen again: the first measurement decides at once (no min_duration from UNKNOWN).
    seen = clip.play(make_pose(KNEE_PAST_TOES), 0.2)
    assert check(seen[0]) is Verdict.FAIL_HIGH


@pytest.mark.parametrize(
    ("moved", "visibility", "cue_text"),
    [
        pytest.param(
            {}, FRONT_FOOT_HIDDEN, "Can't see your left ankle: turn side-on to the camera", id="hidden"
        ),
        pytest.param(
            FRONT_FOOT_OUT_OF_PICTURE,
            FRONT_FOOT_HIDDEN,
            "Step back so I can see your feet",
            id="out-of-picture",
        ),
    ],
)
def test_front_foot_not_seen(
    clip: Clip, moved: dict[str, tuple[float, float]], visibility: dict[str, float], cue_text: str
) -> None:
    results = clip.play(make_pose(moved, visibility), 1.0)
    assert results[0].cue is not None and results[0].cue.text == cue_text
    assert results[0].missing_landmarks[0] == "left_ankle"
    assert not any(r.in_pose for r in results)
    assert results[-1].side == "left"  # the knees decide the forward leg when an ankle is hidden


# --- nobody in the picture -------------------------------------------------------------


def test_no_person(clip: Clip) -> None:
    nobody = clip.play(None, 0.5)
    for result in nobody:
        assert result.cue is not None and result.cue.text == "No person found: step into view"
        assert result.cue.kind == "visibility"
        assert (result.in_pose, result.side, result.pose, result.checks) == (False, None, None, ())
        assert result.hold is None  # no side is being worked
        assert {h.state for h in result.holds} == {HoldState.WAITING}


def test_person_leaves_mid_hold(clip: Clip, kneeling_hip_flexor: StretchSpec) -> None:
    clip.play(GOOD_FORM, 2.0)
    grace_s = kneeling_hip_flexor.hold.grace_s
    gone = clip.play(None, grace_s + 1.0)
    assert all(not r.in_pose for r in gone)
    assert gone[0].cue is not None and gone[0].cue.text == "No person found: step into view"
    held = {h.side: h for h in gone[0].holds}["left"]
    assert held.state is HoldState.PAUSED
    assert held.held_s == pytest.approx(2.0 - 1 / FPS)
    # Away longer than the grace period: the hold is broken.
    assert {h.side: h for h in gone[-1].holds}["left"].held_s == 0.0
    # Back: rules decide at once on the first frame, nothing stale from before.
    back = clip.play(GOOD_FORM, 0.1)
    assert back[0].in_pose and check(back[0]) is Verdict.PASS


# --- photos -------------------------------------------------------------------------------


def test_still_images_judge_each_photo_on_its_own(kneeling_hip_flexor: StretchSpec) -> None:
    engine = Engine(kneeling_hip_flexor, still_images=True)
    good = engine.step(GOOD_FORM, 0.0, 0)
    assert good.in_pose and check(good) is Verdict.PASS
    assert (good.hold, good.holds, good.cue) == (None, (), None)
    # The very next photo, same timestamp: its own verdict at once, no min_duration, no smoothing.
    bad = engine.step(make_pose(KNEE_PAST_TOES), 0.0, 1)
    assert check(bad) is Verdict.FAIL_HIGH
    assert bad.measurements["shin_lean"].value == pytest.approx(KNEE_PAST_TOES_LEAN_DEG)
    assert bad.cue is not None and (bad.cue.kind, bad.cue.rule_id) == ("correction", KNEE_RULE)
    assert (bad.hold, bad.holds) == (None, ())
    # And back: no memory of the bad photo, no confirmation either.
    again = engine.step(GOOD_FORM, 0.0, 2)
    assert check(again) is Verdict.PASS and again.cue is None
    assert engine.step(None, 0.0, 3).cue is not None


def test_side_switches_after_the_settle_time(clip: Clip, kneeling_hip_flexor: StretchSpec) -> None:
    clip.play(GOOD_FORM, 2.0)
    t_swap = clip.t_s
    swapped = clip.play(make_pose(swap_legs=True), 4.0)
    settle_s = kneeling_hip_flexor.working_side.settle_s
    grace_s = kneeling_hip_flexor.hold.grace_s
    assert all(r.side == "left" for r in swapped if r.timestamp_s < t_swap + settle_s - 1e-6)
    assert all(r.side == "right" for r in swapped if r.timestamp_s > t_swap + settle_s + 1 / FPS)
    # Left keeps its time for a while (paused), then the switch breaks it after the grace period.
    mid = next(r for r in swapped if r.timestamp_s >= t_swap + 1.5)
    assert {h.side: h.state for h in mid.holds}["left"] is HoldState.PAUSED
    last = swapped[-1]
    assert last.timestamp_s > t_swap + grace_s + 0.5
    assert last.in_pose and last.hold is not None and last.hold.side == "right"
    holds = {h.side: (h.state, h.held_s) for h in last.holds}
    assert holds["left"] == (HoldState.WAITING, 0.0)
    assert holds["right"][0] is HoldState.HOLDING and holds["right"][1] > 2.0


@pytest.mark.parametrize(
    ("swap_legs", "mirror", "side", "facing"),
    [
        pytest.param(False, True, "left", -1, id="comes-back-facing-the-other-way"),
        pytest.param(True, False, "right", 1, id="comes-back-with-the-other-leg-forward"),
        pytest.param(True, True, "right", -1, id="comes-back-turned-around-on-the-other-leg"),
    ],
)
def test_coming_back_after_nobody_is_judged_with_fresh_sides(
    clip: Clip, swap_legs: bool, mirror: bool, side: str, facing: int
) -> None:
    clip.play(GOOD_FORM, 2.0)  # left leg forward, facing image-right
    clip.play(None, 1.0)
    back = clip.play(make_pose(swap_legs=swap_legs, mirror=mirror), 2.0)
    # The first frame back is read afresh: no settle time on the old facing or forward leg.
    for result in back:
        assert (result.side, result.facing, result.in_pose) == (side, facing, True)
        assert all(c.verdict is Verdict.PASS for c in result.checks), result.checks
    assert back[0].measurements["front_knee"].landmarks == (f"{side}_hip", f"{side}_knee", f"{side}_ankle")
    # No correction or entry cue on the perfect pose; only "No person found" may linger a moment.
    assert {r.cue.text for r in back if r.cue is not None} <= {"No person found: step into view"}
    assert back[-1].cue is None

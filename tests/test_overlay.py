"""Overlay drawing on synthetic poses: nothing raises, and pixels change where they should."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
from support.poses import kneeling_pose

from posecheck.overlay import (
    AngleAnnotator,
    CueAnnotator,
    HoldTimerAnnotator,
    Overlay,
    OverlayStyle,
    SkeletonAnnotator,
    pose_scale,
)
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.results import (
    Cue,
    FrameResult,
    HoldState,
    HoldStatus,
    Measurement,
    RuleCheck,
    Severity,
    Verdict,
)

Image = npt.NDArray[np.uint8]
STYLE = OverlayStyle()
PALETTE = STYLE.palette
SOURCE_WH = (1280, 720)

# A side-on kneeling lunge facing image right, left leg in front, in 1280x720 source pixels.
FRONT_KNEE = ("left_hip", "left_knee", "left_ankle")


def at(pose: Pose, name: str, scale: float = 1.0) -> tuple[int, int]:
    x, y = pose.xy_px[LANDMARK_INDEX[name]] * scale
    return round(x), round(y)


def midpoint(pose: Pose, a: str, b: str) -> tuple[int, int]:
    (xa, ya), (xb, yb) = at(pose, a), at(pose, b)
    return round((xa + xb) / 2), round((ya + yb) / 2)


def knee_measurement(value_deg: float = 92.0) -> Measurement:
    return Measurement("front_knee", "front knee", value_deg, "deg", FRONT_KNEE, "left_knee")


def knee_check(verdict: Verdict, severity: Severity = Severity.CRITICAL) -> RuleCheck:
    return RuleCheck("front_knee_angle", "front_knee", 92.0, verdict, severity, FRONT_KNEE)


def make_result(pose: Pose | None, **fields: object) -> FrameResult:
    base = FrameResult(index=0, timestamp_s=0.0, pose=pose, side="left", facing=1, in_pose=pose is not None)
    return replace(base, **fields)  # type: ignore[arg-type]


def full_result(pose: Pose | None, state: HoldState, cue: Cue | None) -> FrameResult:
    return make_result(
        pose,
        measurements={
            "front_knee": knee_measurement(),
            "hips_level": Measurement(
                "hips_level", "hips", 0.12, "ratio", ("left_hip", "right_hip"), "mid_hip"
            ),
        },
        checks=(
            knee_check(Verdict.FAIL_HIGH),
            RuleCheck(
                "hips_level",
                "hips_level",
                0.12,
                Verdict.FAIL_LOW,
                Severity.ADVISORY,
                ("left_hip", "right_hip"),
            ),
        ),
        hold=HoldStatus("left", state, 12.4, 30.0),
        holds=(HoldStatus("right", HoldState.DONE, 30.0, 30.0), HoldStatus("left", state, 12.4, 30.0)),
        cue=cue,
    )


def grey_scene(wh: tuple[int, int] = SOURCE_WH, level: int = 100) -> Image:
    return np.full((wh[1], wh[0], 3), level, dtype=np.uint8)


def close_to(pixel: npt.NDArray[np.uint8], colour: tuple[int, int, int], tol: int = 30) -> bool:
    return bool(np.abs(pixel.astype(int) - np.array(colour)).max() <= tol)


def colour_mask(scene: Image, colour: tuple[int, int, int], tol: int = 12) -> npt.NDArray[np.bool_]:
    return np.asarray(np.abs(scene.astype(int) - np.array(colour)).max(axis=2) <= tol)


CUES = [
    None,
    Cue("Bring your front knee back over your ankle", "correction", "front_knee_angle", FRONT_KNEE),
    Cue("Good, hold it there", "confirmation"),
    Cue("Can't see your left knee: turn side-on to the camera", "visibility", None, ("left_knee",)),
    Cue("Step into view, side-on", "entry"),
    Cue("Switch sides", "status"),
    Cue("", "correction"),
]


@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("cue", CUES, ids=lambda c: c.kind if c else "no-cue")
@pytest.mark.parametrize("state", list(HoldState))
def test_draw_never_raises_and_keeps_the_frame(state: HoldState, cue: Cue | None, mirror: bool) -> None:
    scene = grey_scene()
    out = Overlay().draw(
        scene, full_result(kneeling_pose(), state, cue), mirror=mirror, extra_lines=("30 fps",)
    )
    assert out is scene  # drawn in place
    assert out.shape == (720, 1280, 3) and out.dtype == np.uint8
    assert not np.array_equal(out, grey_scene())


@pytest.mark.parametrize("cue", CUES, ids=lambda c: c.kind if c else "no-cue")
def test_no_person_draws_the_centre_card_and_no_skeleton(cue: Cue | None) -> None:
    scene = Overlay().draw(grey_scene(), full_result(None, HoldState.WAITING, cue))
    centre = scene[300:420, 560:720]
    assert centre.mean() < 100  # the dark card
    assert not colour_mask(scene[150:], PALETTE.calm).any()  # below the banner: no body


def test_nan_and_wild_landmarks_and_values_do_not_raise() -> None:
    pose = kneeling_pose()
    xy, visibility = pose.xy_px.copy(), pose.visibility.copy()
    for name in ("left_knee", "right_hip", "left_shoulder"):
        xy[LANDMARK_INDEX[name]] = np.nan
    visibility[LANDMARK_INDEX["left_ankle"]] = np.nan
    xy[LANDMARK_INDEX["right_ankle"]] = (1e12, -1e12)  # a model glitch far off-frame
    xy[LANDMARK_INDEX["right_knee"]] = (-5000.0, 9000.0)  # extrapolated off-frame but plausible
    broken = replace(pose, xy_px=xy, visibility=visibility)
    result = replace(
        full_result(broken, HoldState.PAUSED, CUES[1]),
        measurements={"front_knee": knee_measurement(math.nan)},
        hold=HoldStatus("left", HoldState.HOLDING, math.nan, 0.0),
        holds=(HoldStatus("right", HoldState.HOLDING, math.inf, math.inf),),
    )
    for mirror in (False, True):
        Overlay().draw(grey_scene(), result, mirror=mirror)


def test_unknown_landmark_names_are_ignored() -> None:
    result = make_result(
        kneeling_pose(),
        measurements={
            "odd": Measurement(
                "odd", "odd", 40.0, "deg", ("nose", "no_such_joint", "mid_hip"), "no_such_joint"
            ),
            "mid": Measurement(
                "mid", "pelvis", 170.0, "deg", ("mid_shoulder", "mid_hip", "mid_knee"), "mid_hip"
            ),
        },
        cue=Cue("Look here", "correction", None, ("no_such_joint", "mid_hip")),
    )
    Overlay().draw(grey_scene(), result)


@pytest.mark.parametrize(
    ("severity", "colour"),
    [(Severity.CRITICAL, PALETTE.critical), (Severity.ADVISORY, PALETTE.advisory)],
)
def test_failing_rule_colours_its_segments(severity: Severity, colour: tuple[int, int, int]) -> None:
    pose = kneeling_pose()
    shin = midpoint(pose, "left_knee", "left_ankle")
    back_thigh = midpoint(pose, "right_hip", "right_knee")
    failing = SkeletonAnnotator().annotate(
        grey_scene(), make_result(pose, checks=(knee_check(Verdict.FAIL_LOW, severity),))
    )
    assert close_to(failing[shin[1], shin[0]], colour)
    assert close_to(failing[back_thigh[1], back_thigh[0]], PALETTE.calm)

    passing = SkeletonAnnotator().annotate(
        grey_scene(), make_result(pose, checks=(knee_check(Verdict.PASS),))
    )
    assert close_to(passing[shin[1], shin[0]], PALETTE.calm)


def test_critical_segments_are_drawn_thicker_than_calm_ones() -> None:
    pose = kneeling_pose()
    result = make_result(pose, checks=(knee_check(Verdict.FAIL_HIGH),))
    scene = SkeletonAnnotator().annotate(grey_scene(), result)
    # The shin is vertical (x=760) and the back shin nearly horizontal: compare widths across them.
    shin_x, shin_y = midpoint(pose, "left_knee", "left_ankle")
    red_width = colour_mask(scene[shin_y : shin_y + 1, shin_x - 20 : shin_x + 20], PALETTE.critical, 40).sum()
    calm_x, calm_y = midpoint(pose, "right_knee", "right_ankle")
    calm_height = colour_mask(scene[calm_y - 20 : calm_y + 20, calm_x : calm_x + 1], PALETTE.calm, 40).sum()
    assert red_width > calm_height >= 3


def test_low_visibility_landmarks_are_not_drawn() -> None:
    pose = kneeling_pose()
    visibility = pose.visibility.copy()
    visibility[LANDMARK_INDEX["left_knee"]] = 0.2
    scene = SkeletonAnnotator().annotate(grey_scene(), make_result(replace(pose, visibility=visibility)))
    knee_x, knee_y = at(pose, "left_knee")
    shin_x, shin_y = midpoint(pose, "left_knee", "left_ankle")
    assert (scene[knee_y - 6 : knee_y + 7, knee_x - 6 : knee_x + 7] == 100).all()
    assert (scene[shin_y, shin_x] == 100).all()
    ankle_x, ankle_y = at(pose, "left_ankle")
    assert not (scene[ankle_y, ankle_x] == 100).all()  # the rest of the body still drawn


@pytest.mark.parametrize(
    ("verdict", "colour"),
    [
        (Verdict.PASS, PALETTE.good),
        (Verdict.FAIL_LOW, PALETTE.critical),
        (Verdict.UNKNOWN, PALETTE.unknown),
    ],
)
def test_angle_arc_and_label_take_the_verdict_colour(verdict: Verdict, colour: tuple[int, int, int]) -> None:
    pose = kneeling_pose()
    result = make_result(pose, measurements={"front_knee": knee_measurement()}, checks=(knee_check(verdict),))
    scene = AngleAnnotator().annotate(grey_scene(), result)
    knee_x, knee_y = at(pose, "left_knee")
    near_knee = scene[knee_y - 120 : knee_y + 120, knee_x - 160 : knee_x + 160]
    assert colour_mask(near_knee, colour).sum() > 200  # arc stroke plus the label pill
    assert not (scene[:, : knee_x - 200] != 100).any()  # nothing drawn far from the joint


def test_angle_without_finite_value_draws_nothing() -> None:
    result = make_result(kneeling_pose(), measurements={"front_knee": knee_measurement(math.nan)})
    assert (AngleAnnotator().annotate(grey_scene(), result) == 100).all()


def test_cue_banner_darkens_the_top_of_the_frame() -> None:
    bright = grey_scene(level=230)
    without = CueAnnotator().annotate(bright.copy(), make_result(kneeling_pose()))
    with_cue = CueAnnotator().annotate(bright.copy(), make_result(kneeling_pose(), cue=CUES[1]))
    assert (without == 230).all()
    assert with_cue[:40].mean() < 150
    assert (with_cue[-100:] == 230).all()  # only the banner
    # The accent bar on the left carries the cue colour.
    assert close_to(with_cue[20, 2], PALETTE.critical, 5)


def _banner_height(scene: Image) -> int:
    rows_changed = (scene != 230).any(axis=(1, 2))
    return int(np.argmin(rows_changed))  # first untouched row


def test_long_cue_wraps_to_at_most_two_lines() -> None:
    annotator = CueAnnotator()
    short = _banner_height(
        annotator.annotate(grey_scene(level=230), make_result(None, cue=Cue("Hold", "status")))
    )
    long_text = "Bring your front knee back over your ankle and keep your chest tall " * 6
    long = _banner_height(
        annotator.annotate(grey_scene(level=230), make_result(None, cue=Cue(long_text, "status")))
    )
    assert short < long <= 2 * short


def test_cue_marker_rings_the_joint() -> None:
    pose = kneeling_pose()
    knee_x, knee_y = at(pose, "left_knee")
    scene = Overlay().draw(grey_scene(), make_result(pose, cue=CUES[1]))
    ring_band = scene[knee_y - 45 : knee_y + 45, knee_x - 45 : knee_x + 45]
    assert colour_mask(ring_band, PALETTE.critical).sum() > 100


def test_mirror_moves_the_skeleton_but_not_the_text() -> None:
    pose = kneeling_pose(shift_x_px=-300)  # body in the left half
    result = make_result(pose, cue=Cue("Good, hold it there", "confirmation"))
    plain = Overlay().draw(grey_scene(), result)
    mirrored = Overlay().draw(grey_scene(), result, mirror=True)
    plain_x = np.nonzero(colour_mask(plain, PALETTE.calm))[1]
    mirrored_x = np.nonzero(colour_mask(mirrored, PALETTE.calm))[1]
    assert plain_x.mean() < 640 < mirrored_x.mean()
    assert abs((1280 - plain_x.mean()) - mirrored_x.mean()) < 3
    # The banner (text included) is the same either way: text is never mirrored.
    banner_rows = _banner_height(CueAnnotator().annotate(grey_scene(level=230), result))
    assert np.array_equal(plain[:banner_rows], mirrored[:banner_rows])


def test_scale_maps_source_pixels_onto_a_downscaled_scene() -> None:
    pose = kneeling_pose()
    small = grey_scene((640, 360))
    assert pose_scale(pose, small) == 0.5
    Overlay().draw(small, make_result(pose))
    ankle_x, ankle_y = at(pose, "left_ankle", scale=0.5)
    assert not (small[ankle_y, ankle_x] == 100).all()
    assert (small[:, 420:] == 100).all()  # nothing where the full-size body would be


@pytest.mark.parametrize("wh", [(320, 180), (640, 360), (1920, 1080), (720, 1280)])
@pytest.mark.parametrize("mirror", [False, True])
def test_tiny_and_large_scenes(wh: tuple[int, int], mirror: bool) -> None:
    scene = grey_scene(wh)
    long_cue = Cue(
        "Move your front foot forward so the knee stays over the ankle, then breathe", "correction"
    )
    Overlay().draw(
        scene, full_result(kneeling_pose(), HoldState.PAUSED, long_cue), mirror=mirror, extra_lines=("fps",)
    )
    width, height = wh
    assert scene[: height // 10].mean() < 100  # banner
    corner = scene[height - height // 8 :, width - width // 8 :]
    assert (corner != 100).any()  # hold card in the bottom-right corner


def test_hold_card_states_use_their_colours() -> None:
    annotator = HoldTimerAnnotator()
    for state, colour in [
        (HoldState.HOLDING, PALETTE.good),
        (HoldState.PAUSED, PALETTE.caution),
        (HoldState.DONE, PALETTE.good),
    ]:
        result = make_result(None, hold=HoldStatus("left", state, 12.0, 30.0))
        scene = annotator.annotate(grey_scene(), result)
        card = scene[520:, 980:]
        assert colour_mask(card, colour, 20).sum() > 100, state


def test_hold_card_without_any_hold_draws_nothing() -> None:
    assert (HoldTimerAnnotator().annotate(grey_scene(), make_result(None)) == 100).all()


def test_pillow_text_backend_draws_the_same_layout() -> None:
    style = OverlayStyle(text_backend="pillow")
    result = full_result(kneeling_pose(), HoldState.HOLDING, CUES[3])
    scene = Overlay(style).draw(grey_scene(level=230), result, extra_lines=("30 fps",))
    assert scene[:40].mean() < 150
    white = colour_mask(scene[:120], PALETTE.text, 10)
    assert white.sum() > 500  # the cue's letters

"""The whole stretch catalog on real footage, judged as a coach would judge it.

One table row per (footage file, spec): every file of every stretch folder in
../shared/data/footage that has a spec is listed, with what a person watching it says:
is this the stretch (and for how much of the clip), which side is worked, does good form
pass without critical faults, how many reps are done (counted by eye, written down per
clip), or which fault a coach sees. A second table checks that footage of a *different*
stretch is not taken for the pose.

The pose model runs once per file (cached for the module); every spec is then judged on
the cached landmarks by the same Engine the CLI uses. Clips at more than 30 frames/s are
analysed at every second frame, and clips longer than 60 s at every fourth (60 fps) or
second (30 fps) frame: each analysed frame keeps its container timestamp, so phase and
hold timing stay true; only the model's tracking sees a lower frame rate. That keeps the
whole table at about 13,500 model frames (~7 min on two cores).

Terms used below:
- in-pose fraction: frames in the pose / all analysed frames (no person = not in pose);
- held frames: in-pose frames at least 1 s inside their stretch of in-pose frames (photos:
  the photo if in pose) - entering and leaving a pose are not holding it;
- critical fraction: held frames on which a critical rule fails.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from posecheck.checks.engine import Engine
from posecheck.pose.detector import PoseDetector
from posecheck.pose.landmarks import Pose
from posecheck.results import FrameResult, Severity
from posecheck.spec import find_spec, list_specs, load_spec
from posecheck.spec.model import StretchSpec
from posecheck.video.sources import PHOTO_SUFFIXES, FrameSource, open_source

pytestmark = pytest.mark.slow

HELD_MARGIN_S = 1.0
# "Not the pose": at most this fraction of frames in the pose. Not zero: a clip of another
# lying stretch filmed from above at 3/4 passes briefly while the person moves between
# positions (glute-bridge and happy-baby on fitbod_supine-figure-four.mp4: 10-12%).
NOT_IN_POSE_MAX = 0.15
SIDE_SHARE_MIN = 0.85  # of in-pose frames with a side, the expected side's share


@dataclass(frozen=True)
class Coach:
    """What a coach says about one footage file under one spec."""

    in_pose: float  # least in-pose fraction (photos: 1 = in the pose); 0 = NOT the pose
    side: str | None = None  # working side by eye; None = no side, or not asserted (see why)
    max_critical: float | None = 0.10  # None: form not judged (unknown form, or a fault below)
    reps: dict[str, int] | None = None  # reps counted by eye, per side
    phase: str | None = None  # a photo of a dynamic move: the phase it shows
    fault: str | None = None  # a critical rule a coach sees failing (held frames)
    advice: str | None = None  # an advisory rule a coach sees failing (held frames)
    why: str = ""  # how the expectation was judged, when not obvious
    known_miss: str | None = None  # expected to fail today: strict xfail with the reason


ROWS: list[tuple[str, str, Coach]] = [
    # --- quad_stretch: one standing hand-held photo; the rest are other quad stretches
    (
        "quad_stretch/ifaizj_standing-quad-stretch.webp",
        "standing-quad-stretch",
        Coach(1, side="left", why="faces left, near (left) hand holds the near foot"),
    ),
    (
        "quad_stretch/desklife_standing-quad-stretch_home.jpg",
        "standing-quad-stretch",
        Coach(1, known_miss="the held foot is behind the body: the model draws both legs down to the floor"),
    ),
    (
        "quad_stretch/fedb_standing-elevated-quad-stretch_0.jpg",
        "standing-quad-stretch",
        Coach(1, known_miss="the standing foot is out of the picture: the standing knee cannot be measured"),
    ),
    (
        "quad_stretch/fedb_standing-elevated-quad-stretch_1.jpg",
        "standing-quad-stretch",
        Coach(1, known_miss="the standing foot is out of the picture: the standing knee cannot be measured"),
    ),
    (
        "quad_stretch/eoin_side-lying-quad-stretch.jpg",
        "standing-quad-stretch",
        Coach(0, why="side-lying variant"),
    ),
    (
        "quad_stretch/fedb_all-fours-quad-stretch_1.jpg",
        "standing-quad-stretch",
        Coach(0, why="all-fours variant"),
    ),
    (
        "quad_stretch/fedb_side-lying-quad-stretch_0.jpg",
        "standing-quad-stretch",
        Coach(0, why="side-lying variant"),
    ),
    (
        "quad_stretch/fedb_side-lying-quad-stretch_1.jpg",
        "standing-quad-stretch",
        Coach(0, why="side-lying variant"),
    ),
    (
        "quad_stretch/nighthawk_side-lying-quad-stretch.jpg",
        "standing-quad-stretch",
        Coach(0, why="side-lying"),
    ),
    (
        "quad_stretch/fitbod_shin-box-quad-stretch.mp4",
        "standing-quad-stretch",
        Coach(0, why="seated shin box"),
    ),
    (
        "quad_stretch/traj_prone-quad-stretch_vertical.mp4",
        "standing-quad-stretch",
        Coach(0, why="lying face down"),
    ),
    # --- low_lunge: two kneeling specs judge the same folder
    *[
        row
        for spec in ("kneeling-hip-flexor", "kneeling-lunge-twist")
        for row in [
            (
                "low_lunge/fitbod_kneeling-hip-flexor.mp4",
                spec,
                Coach(0.9, side="right", why="right leg forward for the whole clip (she faces image-left)"),
            ),
            (
                "low_lunge/eoin_kneeling-lunge.jpg",
                spec,
                Coach(
                    1,
                    side="left",
                    max_critical=0.0,
                    why="the front shin leans ~15 deg forward: the kneecap a little past the ankle, "
                    "at the advisory limit (not asserted), well short of the toes: no critical fault",
                ),
            ),
            *[
                (
                    f"low_lunge/fedb_kneeling-hip-flexor_{i}.jpg",
                    spec,
                    Coach(
                        1,
                        max_critical=0.0,
                        advice="knee-over-ankle",
                        why="deep kneel, front knee ~40 deg with the knee well past the ankle (advised) "
                        "and at the toe line, not clearly past it (no critical fault); side not "
                        "asserted: the legs cannot be told apart by eye at this size",
                    ),
                )
                for i in (0, 1)
            ],
            (
                "low_lunge/fitbod_static-lunge.mp4",
                spec,
                Coach(
                    0.35,
                    max_critical=None,
                    why="split-squat reps: the back knee reaches the floor at the bottom of each of "
                    "the two reps (~40% of the clip); form unknown (manifest): faults not judged",
                ),
            ),
            (
                "low_lunge/nighthawk_walking-lunge.jpg",
                spec,
                Coach(1, max_critical=None, why="walking lunge at the bottom, oblique view; form unknown"),
            ),
            (
                "low_lunge/fedb_worlds-greatest-stretch_0.jpg",
                spec,
                Coach(
                    1,
                    max_critical=None,
                    why="a deep lunge with the back knee near the floor (lunge family, elbow to "
                    "instep): taken as a kneeling lunge; its deep front knee passes the ankle",
                ),
            ),
            (
                "low_lunge/fedb_worlds-greatest-stretch_1.jpg",
                spec,
                Coach(0, why="back knee lifted, arm reach"),
            ),
            ("low_lunge/desklife_forward-lunge_front.jpg", spec, Coach(0, why="standing lunge, front view")),
            (
                "low_lunge/eoin_half-kneeling-wall-stretch.jpg",
                spec,
                Coach(
                    1,
                    side="left",
                    why="half-kneeling, the legs seen from the side and the chest turned to the camera "
                    "(arms open along a wall): the legs, not the chest, tell the front leg",
                ),
            ),
            ("low_lunge/fedb_split-squat_0.jpg", spec, Coach(0, why="standing split squat")),
            ("low_lunge/fedb_split-squat_1.jpg", spec, Coach(0, why="split squat, back knee off the floor")),
            ("low_lunge/fedb_standing-hip-flexor_0.jpg", spec, Coach(0, why="standing hip flexor stretch")),
        ]
    ],
    # --- pigeon: floor pigeon clips judged by both pigeon specs
    *[
        row
        for spec in ("pigeon", "modified-pigeon")
        for row in [
            (
                "pigeon/fitbod_pigeon.mp4",
                spec,
                Coach(
                    0.9, side="right", why="right knee forward (3/4 view: right shin across to the left hand)"
                ),
            ),
            (
                "pigeon/pwa_tabletop-to-pigeon_tutorial.mp4",
                spec,
                Coach(
                    0.2,
                    side="left",
                    why="90 s tutorial: talking, title cards, tabletop and close-ups; the pigeon is "
                    "on screen ~50-65 s and ~72-86 s (~28%), left knee forward",
                ),
            ),
        ]
    ],
    # --- figure_four: supine figure-four and two supine piriformis photos
    (
        "figure_four/fitbod_supine-figure-four.mp4",
        "supine-figure-four",
        # Measured 55-56% (in the pose 2.6-8.7 s and 13.6-19.9 s): the app waits for the crossed
        # ankle to settle and leaves as the hands let go. Given 1920x1080 instead of the 1280x720
        # it analyses, the model also read an 0.4 s moment at 1.8 s as crossed (56.5% vs 54.9%).
        Coach(
            0.52,
            side="left",
            why="crossed 2-10 s and 13-20.5 s (~68%); the left hand goes through the gap: left leg crossed",
        ),
    ),
    (
        "figure_four/fedb_supine-figure-four_1.jpg",
        "supine-figure-four",
        Coach(1, why="thigh pulled in; side not told apart by eye"),
    ),
    (
        "figure_four/fedb_supine-figure-four_0.jpg",
        "supine-figure-four",
        Coach(
            1,
            max_critical=None,
            why="set-up, ankle over the knee, feet down; the crossed foot is half hidden, so its "
            "flexion (the critical rule) is not judged",
        ),
    ),
    (
        "figure_four/eoin_supine-piriformis.jpg",
        "supine-figure-four",
        Coach(0, why="a piriformis pull, not crossed"),
    ),
    (
        "figure_four/nighthawk_cross-body-glute-pull.jpg",
        "supine-figure-four",
        Coach(0, why="piriformis pull"),
    ),
    (
        "figure_four/eoin_supine-piriformis.jpg",
        "supine-piriformis",
        Coach(
            1,
            known_miss="camera at the head: the other leg is raised too and no knee reads as the pulled one",
        ),
    ),
    (
        "figure_four/nighthawk_cross-body-glute-pull.jpg",
        "supine-piriformis",
        Coach(1, known_miss="camera at the feet: the 3D estimate tilts the lying trunk to 55 deg"),
    ),
    (
        "figure_four/fitbod_supine-figure-four.mp4",
        "supine-piriformis",
        Coach(0, why="a figure-four, ankle on knee"),
    ),
    ("figure_four/fedb_supine-figure-four_0.jpg", "supine-piriformis", Coach(0, why="figure-four set-up")),
    ("figure_four/fedb_supine-figure-four_1.jpg", "supine-piriformis", Coach(0, why="figure-four")),
    # --- seated_figure_four
    (
        "seated_figure_four/chloe_seated-figure-four-on-box.gif",
        "seated-figure-four",
        Coach(0.75, side="right", why="right ankle over the left knee from ~0.5 s to the end (~93%)"),
    ),
    (
        "seated_figure_four/eoin_seated-figure-four-chair.jpg",
        "seated-figure-four",
        Coach(1, side="right", why="right foot across the left knee, pointing to her left"),
    ),
    # --- knee_to_chest (reps)
    (
        "knee_to_chest/fitbod_knee-to-chest.mp4",
        "knee-to-chest",
        Coach(
            0.9,
            side="left",
            reps={"left": 2, "right": 0},
            why="the left knee is pulled twice (1.8-7.9 s, then 9.7-14.1 s after a cut), never the right",
        ),
    ),
    (
        "knee_to_chest/fedb_one-knee-to-chest_1.jpg",
        "knee-to-chest",
        Coach(1, side="left", phase="pull", why="near (left) knee hugged, the other leg long"),
    ),
    (
        "knee_to_chest/fedb_one-knee-to-chest_0.jpg",
        "knee-to-chest",
        Coach(1, why="start position: on the back, knees bent (no knee pulled: no phase, no side)"),
    ),
    (
        "knee_to_chest/fedb_knees-to-chest_1.jpg",
        "knee-to-chest",
        Coach(1, why="both knees hugged: lying on the back, no single pulled knee"),
    ),
    # --- supine_twist (reps)
    (
        "supine_twist/physio_lower-trunk-rotation.mp4",
        "lower-back-rotation",
        Coach(
            0.9,
            reps={"left": 2, "right": 2},
            why="knees roll towards the camera (her left) at 3 s and 12 s, away (right) at 8 s and 16 s",
        ),
    ),
    (
        "supine_twist/eoin_lumbar-rotation.jpg",
        "lower-back-rotation",
        Coach(0, why="one knee across, leg straight"),
    ),
    (
        "supine_twist/fedb_knee-across-body_0.jpg",
        "lower-back-rotation",
        Coach(0, why="lying flat, legs straight"),
    ),
    (
        "supine_twist/fedb_knee-across-body_1.jpg",
        "lower-back-rotation",
        Coach(0, why="one knee across, leg straight"),
    ),
    # --- glute_bridge (hold spec; three clips are rep sets)
    *[
        ("glute_bridge/" + name, "glute-bridge", Coach(1, why="bridge at the top"))
        for name in (
            "fedb_butt-lift-bridge_1.jpg",
            "fedb_pelvic-tilt-bridge_1.jpg",
            "fedb_single-leg-bridge_1.jpg",
            "nighthawk_glute-bridge.jpg",
        )
    ],
    *[
        ("glute_bridge/" + name, "glute-bridge", Coach(0, why="start position, hips down"))
        for name in (
            "fedb_butt-lift-bridge_0.jpg",
            "fedb_pelvic-tilt-bridge_0.jpg",
            "fedb_single-leg-bridge_0.jpg",
        )
    ],
    (
        "glute_bridge/fitbod_single-leg-bridge.mp4",
        "glute-bridge",
        Coach(0.2, why="single-leg bridge reps: at the top ~1-1.5 s of every ~2.5 s rep (~30%)"),
    ),
    (
        "glute_bridge/physio_bridge-ball-squeeze.mp4",
        "glute-bridge",
        Coach(0.2, why="three bridges held ~3 s each (7-10, 16-19, 23-26 s of 31 s: ~30%)"),
    ),
    (
        "glute_bridge/traj_weighted-glute-bridge_vertical.mp4",
        "glute-bridge",
        Coach(0.45, why="weighted bridge reps, hips up about half the time"),
    ),
    # --- happy_baby
    (
        "happy_baby/pwa_happy-baby.mp4",
        "happy-baby",
        Coach(
            0.4,
            why="75 s tutorial: intro card, sitting, then holds at ~18-42, 47-53 and 58-64 s (~50%), "
            "outro card",
        ),
    ),
    # --- cat_cow (reps)
    (
        "cat_cow/traj_cat-cow_vertical.mp4",
        "cat-cow",
        Coach(
            0.9,
            reps={"both": 1},
            why="cow (0-2 s), a long cat (3-7.5 s), back to neutral: one cat and one cow",
        ),
    ),
    ("cat_cow/fedb_cat-stretch_0.jpg", "cat-cow", Coach(1, why="tabletop, head level: no phase")),
    ("cat_cow/fedb_cat-stretch_1.jpg", "cat-cow", Coach(1, phase="cat", why="back rounded, head down")),
    (
        "cat_cow/chloe_cat-cow_prenatal.gif",
        "cat-cow",
        Coach(
            1,
            reps={"both": 0},
            why="3 frames at 1.25 fps (cow, neutral, cat): by eye one cow and one cat, but frames 0.8 s "
            "apart cannot show a phase held 0.4 s, so no rep can be timed: 0 is the right count here",
        ),
    ),
    # --- cobra and downward_dog: two holds and the flow
    (
        "cobra/fitbod_upward-dog.mp4",
        "cobra",
        Coach(0.45, why="plank, upward dog 2-6.5 s, plank, upward dog 10.5-14.5 s, plank (~50%)"),
    ),
    ("cobra/ifaizj_upward-dog.jpg", "cobra", Coach(1, why="upward dog, side view")),
    (
        "cobra/nighthawk_upward-dog_amateur.jpg",
        "cobra",
        Coach(1, known_miss="oblique amateur photo: the model sees no ankle (legs tucked behind on the mat)"),
    ),
    (
        "downward_dog/fitbod_downdog.mp4",
        "downward-dog",
        Coach(0.55, why="plank, downward dog with pedalling 1.8-7.2 s and 10-15.3 s, plank (~65%)"),
    ),
    *[
        (f"downward_dog/manoj_downdog-{n}.jpg", "downward-dog", Coach(1, why="downward dog"))
        for n in (1, 4, 9, 11, 17, 19, 24, 26, 28, 34, 39, 51, 54, 60)
    ],
    (
        "cobra/fitbod_upward-dog.mp4",
        "cobra-to-downward-dog",
        Coach(0.4, reps={"both": 0}, why="upward dogs and planks, never a downward dog: no rep"),
    ),
    ("cobra/ifaizj_upward-dog.jpg", "cobra-to-downward-dog", Coach(1, phase="cobra")),
    (
        "downward_dog/fitbod_downdog.mp4",
        "cobra-to-downward-dog",
        Coach(0.4, reps={"both": 0}, why="downward dogs and planks, never a cobra: no rep"),
    ),
    *[
        (f"downward_dog/manoj_downdog-{n}.jpg", "cobra-to-downward-dog", Coach(1, phase="dog"))
        for n in (1, 4, 9, 11, 17, 19, 24, 26, 28, 34, 39, 51, 54, 60)
    ],
    # --- butterfly (front view)
    (
        "butterfly/fitbod_butterfly.mp4",
        "butterfly",
        Coach(0.9, why="butterfly throughout (knees stay high: the advisory cue, not a critical fault)"),
    ),
    *[
        ("butterfly/" + name, "butterfly", Coach(1))
        for name in (
            "eoin_butterfly.jpg",
            "fedb_groin-back-stretch_0.jpg",
            "fedb_groin-back-stretch_1.jpg",
            "nighthawk_butterfly.jpg",
            "manoj_baddha-konasana_bk-12.jpg",
            "manoj_baddha-konasana_bk-13.jpg",
            "manoj_baddha-konasana_bk-14.jpeg",
            "manoj_baddha-konasana_bk-18.jpg",
            "manoj_baddha-konasana_bk-23.jpg",
            "manoj_baddha-konasana_bk-26.jpeg",
            "manoj_baddha-konasana_bk-28.jpg",
            "manoj_baddha-konasana_bk-32.jpg",
            "manoj_baddha-konasana_bk-33.jpg",
            "manoj_baddha-konasana_bk-35.jpg",
            "manoj_baddha-konasana_bk-37.jpg",
            "manoj_baddha-konasana_bk-41.jpg",
            "manoj_baddha-konasana_bk-42.jpg",
            "manoj_baddha-konasana_bk-44.png",
            "manoj_baddha-konasana_bk-45.png",
            "manoj_baddha-konasana_bk-47.jpg",
            "manoj_baddha-konasana_bk-5.jpg",
            "manoj_baddha-konasana_bk-50.jpg",
            "manoj_baddha-konasana_bk-55.png",
            "manoj_baddha-konasana_bk-57.jpg",
            "manoj_baddha-konasana_bk-59.jpg",
            "manoj_baddha-konasana_bk-6.jpg",
            "manoj_baddha-konasana_bk-62.jpg",
            "manoj_baddha-konasana_bk-65.jpeg",
            "manoj_baddha-konasana_bk-66.jpg",
            "manoj_baddha-konasana_bk-67.jpeg",
            "manoj_baddha-konasana_bk-8.jpg",
            "manoj_baddha-konasana_bk-9.jpg",
        )
    ],
    # --- seated_straddle, seated_forward_bend, frog
    (
        "seated_straddle/fedb_straddle_0.jpg",
        "seated-side-straddle",
        Coach(0, why="wide straddle with both legs straight: no foot rests at the other knee"),
    ),
    (
        "seated_forward_bend/fitbod_seated-forward-bend.mp4",
        "seated-side-straddle",
        Coach(0, why="seated forward bend, both legs long together"),
    ),
    (
        "seated_forward_bend/fedb_seated-hamstring_0.jpg",
        "seated-side-straddle",
        Coach(1, side="left", why="left leg long, the right foot at its inner thigh, reaching for its toes"),
    ),
    ("frog/eoin_frog-pose.jpg", "frog", Coach(1)),
    # --- side_lying_leg_lift: lifts, and the kicks spec must count none
    (
        "side_lying_leg_lift/fitbod_side-lying-leg-raise.mp4",
        "side-leg-lift",
        Coach(
            0.9,
            side="left",
            reps={"left": 6, "right": 0},
            why="lying on her right side (faces the camera, watch on the upper wrist), lifts the left leg "
            "3 times per camera angle",
        ),
    ),
    (
        "side_lying_leg_lift/fedb_side-lying-groin_1.jpg",
        "side-leg-lift",
        Coach(1, side="right", phase="up", why="on his left side facing the camera, right leg raised high"),
    ),
    (
        "side_lying_leg_lift/fitbod_side-lying-leg-raise.mp4",
        "side-kick",
        Coach(0.9, side="left", reps={"left": 0, "right": 0}, why="lifts to the side, never a kick forward"),
    ),
    (
        "side_lying_leg_lift/fedb_side-lying-groin_1.jpg",
        "side-kick",
        Coach(1, side="right", why="the leg is lifted high, not kicked: no kick phase"),
    ),
]

# Specs whose stretch has no footage in ../shared/data/footage (their thresholds come from
# STRETCHES.md and anatomy, as their files say); footage of other stretches still checks
# that they do not accept it (NEGATIVES).
NO_FOOTAGE = {
    "kneeling-thoracic-twist": "STRETCHES.md #5: no footage",
    "cow-face": "STRETCHES.md #17: the only photo is in holdout/",
    "supine-groin-stretch": "STRETCHES.md #19: no footage",
    "foam-roller-psoas": "STRETCHES.md #19: no footage",
    "supine-abdominal-draw-in": "STRETCHES.md #19: no footage",
}

# Files in folders with a spec that are not pictures of a person.
NOT_FOOTAGE_SUFFIXES = (".csv",)  # MediaPipe landmark/angle tables (manifest: annotation)

# Footage of another stretch must not be taken for the pose. Hold specs: at most 15% of the
# frames in the pose (NOT_IN_POSE_MAX). Reps specs whose starting position is shared with the other stretch
# (lying on the back, hands and feet down) are marked "start": a coach says "you are in the
# starting position" there, so what must not happen is the move itself: no rep counted.
# Every other reps-spec row asserts both: not in the pose, and no rep.
NEGATIVES: list[tuple[str, str, str]] = [
    ("quad_stretch/fitbod_shin-box-quad-stretch.mp4", "standing-quad-stretch", ""),
    ("low_lunge/fedb_kneeling-hip-flexor_0.jpg", "standing-quad-stretch", ""),
    ("low_lunge/fedb_split-squat_1.jpg", "standing-quad-stretch", ""),
    ("low_lunge/fitbod_static-lunge.mp4", "standing-quad-stretch", ""),
    ("pigeon/fitbod_pigeon.mp4", "kneeling-hip-flexor", ""),
    ("quad_stretch/fitbod_shin-box-quad-stretch.mp4", "kneeling-hip-flexor", ""),
    ("butterfly/fitbod_butterfly.mp4", "kneeling-hip-flexor", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "kneeling-lunge-twist", ""),
    ("pigeon/fitbod_pigeon.mp4", "kneeling-lunge-twist", ""),
    ("low_lunge/fitbod_kneeling-hip-flexor.mp4", "pigeon", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "pigeon", ""),
    ("quad_stretch/traj_prone-quad-stretch_vertical.mp4", "pigeon", ""),
    ("low_lunge/fedb_kneeling-hip-flexor_0.jpg", "modified-pigeon", ""),
    ("low_lunge/fedb_split-squat_0.jpg", "modified-pigeon", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "modified-pigeon", ""),
    ("quad_stretch/ifaizj_standing-quad-stretch.webp", "modified-pigeon", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "supine-figure-four", ""),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "supine-figure-four", ""),
    ("happy_baby/pwa_happy-baby.mp4", "supine-figure-four", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "happy-baby", ""),
    ("figure_four/fedb_supine-figure-four_1.jpg", "happy-baby", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "happy-baby", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "glute-bridge", ""),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "glute-bridge", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "glute-bridge", ""),
    ("pigeon/pwa_tabletop-to-pigeon_tutorial.mp4", "seated-figure-four", ""),
    ("butterfly/fitbod_butterfly.mp4", "seated-figure-four", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "supine-piriformis", ""),
    ("glute_bridge/physio_bridge-ball-squeeze.mp4", "supine-piriformis", ""),
    ("cobra/fitbod_upward-dog.mp4", "downward-dog", ""),
    ("butterfly/fedb_groin-back-stretch_1.jpg", "downward-dog", ""),
    ("glute_bridge/traj_weighted-glute-bridge_vertical.mp4", "downward-dog", ""),
    ("downward_dog/fitbod_downdog.mp4", "cobra", ""),
    ("pigeon/fitbod_pigeon.mp4", "cobra", ""),
    ("seated_forward_bend/fitbod_seated-forward-bend.mp4", "cobra", ""),
    ("glute_bridge/physio_bridge-ball-squeeze.mp4", "butterfly", ""),
    ("seated_forward_bend/fitbod_seated-forward-bend.mp4", "butterfly", ""),
    ("seated_figure_four/chloe_seated-figure-four-on-box.gif", "butterfly", ""),
    ("butterfly/fitbod_butterfly.mp4", "seated-side-straddle", ""),
    ("cat_cow/traj_cat-cow_vertical.mp4", "frog", ""),
    ("cat_cow/fedb_cat-stretch_0.jpg", "frog", ""),
    ("quad_stretch/fedb_all-fours-quad-stretch_1.jpg", "frog", ""),
    ("butterfly/eoin_butterfly.jpg", "cow-face", ""),
    ("seated_figure_four/chloe_seated-figure-four-on-box.gif", "cow-face", ""),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "cow-face", ""),
    ("happy_baby/pwa_happy-baby.mp4", "supine-groin-stretch", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "supine-groin-stretch", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "supine-groin-stretch", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "foam-roller-psoas", ""),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "foam-roller-psoas", ""),
    ("glute_bridge/fedb_butt-lift-bridge_1.jpg", "supine-abdominal-draw-in", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "supine-abdominal-draw-in", ""),
    ("happy_baby/pwa_happy-baby.mp4", "supine-abdominal-draw-in", ""),
    # reps specs
    ("happy_baby/pwa_happy-baby.mp4", "cat-cow", ""),
    ("glute_bridge/fitbod_single-leg-bridge.mp4", "cat-cow", ""),
    ("low_lunge/fitbod_kneeling-hip-flexor.mp4", "cat-cow", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "knee-to-chest", "start"),
    ("glute_bridge/physio_bridge-ball-squeeze.mp4", "knee-to-chest", "start"),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "knee-to-chest", "start"),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "lower-back-rotation", "start"),
    ("glute_bridge/physio_bridge-ball-squeeze.mp4", "lower-back-rotation", "start"),
    ("happy_baby/pwa_happy-baby.mp4", "lower-back-rotation", "start"),
    ("seated_forward_bend/fitbod_seated-forward-bend.mp4", "cobra-to-downward-dog", "start"),
    ("quad_stretch/traj_prone-quad-stretch_vertical.mp4", "cobra-to-downward-dog", "start"),
    ("pigeon/fitbod_pigeon.mp4", "cobra-to-downward-dog", ""),
    ("low_lunge/fitbod_static-lunge.mp4", "cobra-to-downward-dog", ""),
    ("knee_to_chest/fitbod_knee-to-chest.mp4", "side-leg-lift", ""),
    ("glute_bridge/traj_weighted-glute-bridge_vertical.mp4", "side-leg-lift", ""),
    ("supine_twist/physio_lower-trunk-rotation.mp4", "side-kick", ""),
    ("figure_four/fitbod_supine-figure-four.mp4", "kneeling-thoracic-twist", ""),
    ("low_lunge/fitbod_kneeling-hip-flexor.mp4", "kneeling-thoracic-twist", ""),
    ("cat_cow/traj_cat-cow_vertical.mp4", "kneeling-thoracic-twist", ""),
]

# Known false acceptances (strict xfail: if one starts passing, the table must be updated).
NEGATIVE_MISSES = {
    (
        "quad_stretch/nighthawk_side-lying-quad-stretch.jpg",
        "pigeon",
    ): "portrait phone photo of a side-lying quad "
    "stretch: the picture puts the shoulders above the hips and the bent leg across",
    (
        "quad_stretch/fitbod_shin-box-quad-stretch.mp4",
        "butterfly",
    ): "the seated 90/90 shin box, seen 3/4 from the "
    "front, looks like knees out with the feet together for 44% of the clip",
}


# --- analysis -----------------------------------------------------------------------------


def analysis_stride(source: FrameSource) -> int:
    """Analyse ~30 frames/s at most, and long tutorials (> 60 s) at half that."""
    fps = source.fps_hint or 30.0
    stride = max(1, round(fps / 30.0))
    if (source.duration_s_hint or 0.0) > 60.0:
        stride *= 2
    return stride


Frames = list[tuple[float, int, Pose | None]]


class FootagePoses:
    """The pose model run once per footage file (photos in image mode), kept for the module."""

    def __init__(self, footage_dir: Path, model_path: Path) -> None:
        self.footage_dir = footage_dir
        self.model_path = model_path
        self._cache: dict[str, Frames] = {}

    def get(self, relative: str) -> Frames:
        if relative not in self._cache:
            self._cache[relative] = self._run(self.footage_dir / relative)
        return self._cache[relative]

    def _run(self, path: Path) -> Frames:
        photo = path.suffix.lower() in PHOTO_SUFFIXES
        frames: Frames = []
        with (
            open_source(path) as source,
            PoseDetector(self.model_path, mode="image" if photo else "video") as detector,
        ):
            stride = 1 if photo else analysis_stride(source)
            for frame in source:
                if frame.index % stride:
                    continue
                frames.append(
                    (frame.timestamp_s, frame.index, detector.detect(frame.image_bgr, frame.timestamp_s))
                )
        return frames


@dataclass
class Seen:
    """A footage file as judged by one spec, summed up the way the table speaks."""

    results: list[FrameResult]
    in_pose: float = 0.0
    sides: Counter[str | None] = field(default_factory=Counter)
    side_switches: int = 0
    critical: float = 0.0
    faults: set[str] = field(default_factory=set)
    advice: set[str] = field(default_factory=set)
    reps: dict[str, int] | None = None
    phases: Counter[str | None] = field(default_factory=Counter)

    @property
    def main_side(self) -> tuple[str | None, float]:
        known = {s: n for s, n in self.sides.items() if s is not None}
        if not known:
            return None, 0.0
        side = max(known, key=lambda s: known[s])
        return side, known[side] / sum(known.values())


def held_mask(results: list[FrameResult]) -> list[bool]:
    """In-pose frames at least HELD_MARGIN_S inside their run of in-pose frames (a photo: in pose)."""
    if len(results) == 1:
        return [results[0].in_pose]
    mask = [False] * len(results)
    i = 0
    while i < len(results):
        if not results[i].in_pose:
            i += 1
            continue
        j = i
        while j + 1 < len(results) and results[j + 1].in_pose:
            j += 1
        start, end = results[i].timestamp_s, results[j].timestamp_s
        for k in range(i, j + 1):
            t = results[k].timestamp_s
            mask[k] = t - start >= HELD_MARGIN_S and end - t >= HELD_MARGIN_S
        i = j + 1
    return mask


def judge(spec: StretchSpec, frames: Frames, photo: bool) -> Seen:
    engine = Engine(spec, still_images=photo)
    results = [engine.step(pose, t, index) for t, index, pose in frames]
    seen = Seen(results)
    in_pose = [r for r in results if r.in_pose]
    seen.in_pose = len(in_pose) / len(results)
    seen.sides = Counter(r.side for r in in_pose)
    known = [r.side for r in in_pose if r.side is not None]
    seen.side_switches = sum(a != b for a, b in itertools.pairwise(known))
    held = [r for r, h in zip(results, held_mask(results), strict=True) if h]
    failing = [
        {c.rule_id for c in r.checks if c.severity is Severity.CRITICAL and c.verdict.failing} for r in held
    ]
    seen.critical = sum(bool(f) for f in failing) / len(held) if held else 0.0
    seen.faults = set().union(*failing) if failing else set()
    seen.advice = {
        c.rule_id for r in held for c in r.checks if c.severity is Severity.ADVISORY and c.verdict.failing
    }
    if results[-1].reps is not None:
        seen.reps = dict(results[-1].reps.counts)
        seen.phases = Counter(r.reps.phase if r.reps and r.in_pose else None for r in results)
    return seen


@pytest.fixture(scope="module")
def footage(footage_dir: Path, model_path: Path) -> FootagePoses:
    return FootagePoses(footage_dir, model_path)


def spec_for(specs_dir: Path, spec_id: str) -> StretchSpec:
    return load_spec(find_spec(spec_id, specs_dir))


def is_photo(relative: str) -> bool:
    return Path(relative).suffix.lower() in PHOTO_SUFFIXES


def _rows() -> Iterator[object]:
    for relative, spec_id, coach in ROWS:
        marks = [pytest.mark.xfail(strict=True, reason=coach.known_miss)] if coach.known_miss else []
        yield pytest.param(relative, spec_id, coach, marks=marks, id=f"{spec_id}:{Path(relative).name}")


# --- the table -------------------------------------------------------------------------------


@pytest.mark.parametrize(("relative", "spec_id", "coach"), list(_rows()))
def test_footage_as_a_coach_sees_it(
    footage: FootagePoses, specs_dir: Path, relative: str, spec_id: str, coach: Coach
) -> None:
    seen = judge(spec_for(specs_dir, spec_id), footage.get(relative), is_photo(relative))
    where = f"{spec_id} on {relative} ({coach.why})"
    if coach.in_pose == 0:
        assert seen.in_pose <= NOT_IN_POSE_MAX, f"{where}: taken for the pose on {seen.in_pose:.0%} of frames"
        return
    assert seen.in_pose >= coach.in_pose, f"{where}: in the pose on only {seen.in_pose:.0%} of frames"
    if coach.side is not None:
        side, share = seen.main_side
        assert side == coach.side and share >= SIDE_SHARE_MIN, f"{where}: sides {dict(seen.sides)}"
        if not is_photo(relative):
            assert seen.side_switches <= 2, f"{where}: the side flips {seen.side_switches} times"
    if coach.max_critical is not None:
        assert seen.critical <= coach.max_critical, (
            f"{where}: critical faults {sorted(seen.faults)} on {seen.critical:.0%} of held frames"
        )
    if coach.fault is not None:
        assert coach.fault in seen.faults, f"{where}: the fault {coach.fault} was not raised ({seen.faults})"
    if coach.advice is not None:
        assert coach.advice in seen.advice, f"{where}: {coach.advice} was not advised ({seen.advice})"
    if coach.reps is not None:
        assert seen.reps == coach.reps, f"{where}: counted {seen.reps}, by eye {coach.reps}"
    if coach.phase is not None:
        assert seen.results[-1].reps is not None
        assert seen.results[-1].reps.phase == coach.phase, f"{where}: phase {seen.results[-1].reps.phase}"


def test_every_footage_file_of_a_stretch_with_a_spec_is_judged(footage_dir: Path) -> None:
    judged = {relative for relative, _, _ in ROWS}
    folders = {Path(relative).parent.name for relative in judged}
    files = {
        f"{path.parent.name}/{path.name}"
        for folder in folders
        for path in (footage_dir / folder).iterdir()
        if path.is_file() and path.suffix.lower() not in NOT_FOOTAGE_SUFFIXES
    }
    assert files - judged == set(), "footage nobody judges: add a row for each"
    assert judged - files == set(), "rows for files that do not exist"


def test_every_spec_is_judged_on_footage_or_says_why_not(specs_dir: Path) -> None:
    specs = {path.stem for path in list_specs(specs_dir)}
    judged = {spec_id for _, spec_id, _ in ROWS}
    assert specs - judged == set(NO_FOOTAGE)
    assert {spec_id for _, spec_id, _ in NEGATIVES} == specs, "every spec refuses some other stretch"


def _negatives() -> Iterator[object]:
    for relative, spec_id, kind in NEGATIVES:
        yield pytest.param(relative, spec_id, kind, id=f"{spec_id}:{Path(relative).name}")
    for (relative, spec_id), reason in NEGATIVE_MISSES.items():
        mark = pytest.mark.xfail(strict=True, reason=reason)
        yield pytest.param(relative, spec_id, "", marks=[mark], id=f"{spec_id}:{Path(relative).name}")


@pytest.mark.parametrize(("relative", "spec_id", "kind"), list(_negatives()))
def test_another_stretch_is_not_taken_for_the_pose(
    footage: FootagePoses, specs_dir: Path, relative: str, spec_id: str, kind: str
) -> None:
    spec = spec_for(specs_dir, spec_id)
    seen = judge(spec, footage.get(relative), is_photo(relative))
    if spec.mode == "reps":
        assert seen.reps is not None and sum(seen.reps.values()) == 0, f"{spec_id} counted {seen.reps}"
    if kind != "start":
        assert seen.in_pose <= NOT_IN_POSE_MAX, f"{spec_id} took {relative} for the pose ({seen.in_pose:.0%})"


def test_cobra_to_downward_dog_counts_a_spliced_flow(footage: FootagePoses, specs_dir: Path) -> None:
    """No clip holds the whole flow, so splice real ones: the upward-dog clip's two presses
    (2-6.5 s, 10.5-14.5 s) alternating with the downward-dog clip's two holds (2-7 s, 10-15 s),
    re-stamped one after another at their own frame spacing: two cobras and two dogs = 2 reps."""
    cobra = footage.get("cobra/fitbod_upward-dog.mp4")
    dog = footage.get("downward_dog/fitbod_downdog.mp4")

    def window(frames: Frames, start: float, end: float) -> Frames:
        return [f for f in frames if start <= f[0] < end]

    pieces = [window(cobra, 2, 6.5), window(dog, 2, 7), window(cobra, 10.5, 14.5), window(dog, 10, 15)]
    spliced: Frames = []
    t = 0.0
    for piece in pieces:
        base = piece[0][0]
        for stamp, index, pose in piece:
            spliced.append((t + stamp - base, index, pose))
        t = spliced[-1][0] + 1 / 30
    seen = judge(spec_for(specs_dir, "cobra-to-downward-dog"), spliced, photo=False)
    assert seen.reps == {"both": 2}
    assert {"cobra", "dog"} <= set(seen.phases)

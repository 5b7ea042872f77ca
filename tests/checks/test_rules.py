"""RuleTracker: hysteresis on the value, a minimum duration (by frame timestamps) before a verdict flips."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from posecheck.checks.rules import RuleTracker
from posecheck.results import Verdict

PASS, LOW, HIGH, UNKNOWN = Verdict.PASS, Verdict.FAIL_LOW, Verdict.FAIL_HIGH, Verdict.UNKNOWN
NAN = math.nan

Row = tuple[float, float, Verdict]  # (t_s, value, verdict expected after this frame)


def frames(
    t0_s: float, t1_s: float, fps: float, value: float | Sequence[float], expect: Verdict
) -> list[Row]:
    """Frames from t0 (inclusive) to t1 (exclusive) at `fps`; a sequence of values is cycled (jitter)."""
    values = [value] if isinstance(value, (int, float)) else list(value)
    rows: list[Row] = []
    i = 0
    while (t := t0_s + i / fps) < t1_s - 1e-9:
        rows.append((t, values[i % len(values)], expect))
        i += 1
    return rows


def run(tracker: RuleTracker, script: Sequence[Row]) -> None:
    for frame, (t_s, value, expected) in enumerate(script):
        got = tracker.update(value, t_s)
        assert got is expected, (
            f"frame {frame} at t={t_s:.4f}s value={value}: got {got.name}, want {expected.name}"
        )
        assert tracker.verdict is got


# Range [0, 10], hysteresis 2 (so a failing value must come back to [2, 8]), 0.3 s to flip.
RANGE_0_10: dict[str, float | None] = {
    "min_value": 0.0,
    "max_value": 10.0,
    "hysteresis": 2.0,
    "min_duration_s": 0.3,
}

SCRIPTS: list[tuple[str, dict[str, float | None], list[Row]]] = [
    (
        "first-value-decides-at-once",
        RANGE_0_10,
        [(0.0, 12.0, HIGH), *frames(1 / 30, 1.0, 30, 12.0, HIGH)],
    ),
    (
        "first-value-low-decides-at-once",
        RANGE_0_10,
        [(5.0, -3.0, LOW)],
    ),
    (
        "jitter-across-the-limit-shorter-than-min-duration-never-fails",
        RANGE_0_10,
        # Frame-by-frame 9.8 / 10.2: every excursion over the limit lasts one frame.
        frames(0.0, 3.0, 30, [9.8, 10.2], PASS),
    ),
    (
        "jitter-in-the-band-while-failing-never-passes",
        RANGE_0_10,
        frames(0.0, 0.5, 30, 5.0, PASS)
        + frames(0.5, 0.78, 30, 12.0, PASS)  # over the limit, not yet 0.3 s
        + frames(0.82, 1.0, 30, 12.0, HIGH)
        # Jitter inside the band (8, 10] and just over the limit: stays failing for seconds.
        + frames(1.0, 4.0, 30, [9.9, 8.1, 10.4, 9.0, 8.5], HIGH)
        # Back inside by the hysteresis: passes once that lasted 0.3 s.
        + frames(4.0, 4.25, 30, 7.9, HIGH)
        + frames(4.35, 5.0, 30, 7.9, PASS),
    ),
    (
        "jitter-in-the-low-band-while-failing-low",
        RANGE_0_10,
        [
            (0.0, -1.0, LOW),
            *frames(0.1, 2.0, 30, [0.5, 1.9, -0.2, 1.0], LOW),
            *frames(2.0, 2.25, 30, 2.1, LOW),
            *frames(2.35, 3.0, 30, 2.1, PASS),
        ],
    ),
    (
        "flip-after-min-duration-at-30fps-then-10fps",
        {**RANGE_0_10, "min_duration_s": 0.35},
        # Crosses at t=1.0 at 30 fps; the frame rate drops to 10 fps at t=1.2:
        # 1.2 and 1.3 are under 0.35 s since the crossing, 1.4 is the first frame past it.
        frames(0.0, 1.0, 30, 5.0, PASS)
        + frames(1.0, 1.2, 30, 11.0, PASS)
        + frames(1.2, 1.35, 10, 11.0, PASS)
        + frames(1.4, 2.0, 10, 11.0, HIGH),
    ),
    (
        "flip-after-min-duration-at-10fps-then-30fps",
        RANGE_0_10,
        # Crosses at t=2.0 at 10 fps, then 30 fps from t=2.2: the flip comes at the first frame >= 2.3.
        [
            *frames(0.0, 2.0, 10, 5.0, PASS),
            (2.0, -1.0, PASS),
            (2.1, -1.0, PASS),
            *frames(2.2, 2.29, 30, -1.0, PASS),
            (2.31, -1.0, LOW),
            (2.5, -1.0, LOW),
        ],
    ),
    (
        "one-long-frame-gap-counts-as-duration",
        RANGE_0_10,
        # The duration is measured in frame time: a single late frame can complete it.
        [(0.0, 5.0, PASS), (0.1, 11.0, PASS), (0.9, 11.0, HIGH)],
    ),
    (
        "pending-flip-restarts-when-interrupted",
        RANGE_0_10,
        frames(0.0, 1.0, 30, 5.0, PASS)
        + frames(1.0, 1.25, 30, 11.0, PASS)  # 0.25 s over: not yet
        + [(1.25, 5.0, PASS)]  # one good frame forgets the pending FAIL
        + frames(1.3, 1.55, 30, 11.0, PASS)  # the clock starts again at 1.3
        + frames(1.65, 2.0, 30, 11.0, HIGH),
    ),
    (
        "low-to-high-without-passing",
        RANGE_0_10,
        # From failing low straight over the top: a new candidate (HIGH), it too must persist.
        [(0.0, -1.0, LOW), *frames(0.1, 0.35, 30, 15.0, LOW), *frames(0.45, 1.0, 30, 15.0, HIGH)],
    ),
    (
        "high-to-low-without-passing",
        RANGE_0_10,
        [(0.0, 15.0, HIGH), *frames(0.1, 0.35, 30, -5.0, HIGH), *frames(0.45, 1.0, 30, -5.0, LOW)],
    ),
    (
        "candidate-switch-restarts-the-clock",
        RANGE_0_10,
        # PASS shown; 0.2 s of HIGH then 0.2 s of LOW: neither lasted 0.3 s on its own.
        [
            (0.0, 5.0, PASS),
            *frames(0.1, 0.3, 30, 11.0, PASS),
            *frames(0.3, 0.5, 30, -1.0, PASS),
            *frames(0.5, 0.59, 30, -1.0, PASS),
            *frames(0.61, 0.8, 30, -1.0, LOW),
        ],
    ),
    (
        "nan-is-unknown-at-once-and-the-next-value-decides-at-once",
        RANGE_0_10,
        [
            (0.0, 12.0, HIGH),
            (1 / 30, NAN, UNKNOWN),
            (2 / 30, 5.0, PASS),
            (3 / 30, NAN, UNKNOWN),
            (4 / 30, -1, LOW),
        ],
    ),
    (
        "nan-forgets-the-old-verdict-never-stale",
        RANGE_0_10,
        # Failing high for a while; after a blind frame a value in the old failing band passes at once.
        [(0.0, 12.0, HIGH), (0.5, 12.0, HIGH), (0.6, NAN, UNKNOWN), (0.7, 9.0, PASS)],
    ),
    (
        "infinities-are-unknown",
        RANGE_0_10,
        [(0.0, 5.0, PASS), (0.1, math.inf, UNKNOWN), (0.2, 5.0, PASS), (0.3, -math.inf, UNKNOWN)],
    ),
    (
        "zero-duration-flips-on-the-frame",
        {**RANGE_0_10, "min_duration_s": 0.0},
        [(0.0, 5.0, PASS), (0.01, 10.5, HIGH), (0.02, 9.0, HIGH), (0.03, 7.0, PASS), (0.04, -0.1, LOW)],
    ),
    (
        "exactly-on-a-limit-passes",
        RANGE_0_10,
        [(0.0, 0.0, PASS), (0.5, 10.0, PASS), (1.0, 10.0, PASS)],
    ),
    (
        "min-only-no-upper-limit",
        {"min_value": 0.0, "max_value": None, "hysteresis": 5.0, "min_duration_s": 0.2},
        [
            (0.0, 1e9, PASS),
            (0.1, -1.0, PASS),
            (0.35, -1.0, LOW),
            *frames(0.4, 1.0, 10, 4.9, LOW),  # inside the range but not by the hysteresis
            (1.0, 5.0, LOW),
            (1.25, 1e6, PASS),
        ],
    ),
    (
        "max-only-no-lower-limit",
        {"min_value": None, "max_value": 0.15, "hysteresis": 0.03, "min_duration_s": 0.4},
        [
            (0.0, -1000000000.0, PASS),
            (0.1, 0.16, PASS),
            (0.55, 0.2, HIGH),
            (0.6, 0.13, HIGH),
            (1.2, 0.13, HIGH),
            (1.3, 0.11, HIGH),
            (1.75, -50.0, PASS),
        ],
    ),
]


@pytest.mark.parametrize(
    ("params", "script"), [(p, s) for _, p, s in SCRIPTS], ids=[n for n, _, _ in SCRIPTS]
)
def test_scripted_verdicts(params: dict[str, float | None], script: list[Row]) -> None:
    run(RuleTracker(**params), script)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("shown", "value", "expected"),
    [
        pytest.param(PASS, 5.0, PASS, id="pass-inside"),
        pytest.param(PASS, 9.99, PASS, id="pass-in-band-still-passes"),
        pytest.param(PASS, 10.01, HIGH, id="pass-over-max-fails-at-once"),
        pytest.param(PASS, -0.01, LOW, id="pass-under-min-fails-at-once"),
        pytest.param(HIGH, 9.0, HIGH, id="high-in-upper-band-stays-high"),
        pytest.param(HIGH, 8.0, PASS, id="high-on-inner-edge-passes"),
        pytest.param(HIGH, 2.0, PASS, id="high-on-lower-inner-edge-passes"),
        pytest.param(HIGH, 1.0, PASS, id="high-in-lower-band-passes"),
        pytest.param(HIGH, 0.0, PASS, id="high-on-min-passes"),
        pytest.param(LOW, 1.0, LOW, id="low-in-lower-band-stays-low"),
        pytest.param(LOW, 2.0, PASS, id="low-on-inner-edge-passes"),
        pytest.param(LOW, 8.0, PASS, id="low-on-upper-inner-edge-passes"),
        pytest.param(LOW, 9.0, PASS, id="low-in-upper-band-passes"),
        pytest.param(LOW, 10.0, PASS, id="low-on-max-passes"),
        pytest.param(LOW, 11.0, HIGH, id="low-over-max-is-high"),
        pytest.param(HIGH, -1.0, LOW, id="high-under-min-is-low"),
        pytest.param(UNKNOWN, 9.0, PASS, id="unknown-in-band-passes"),
    ],
)
def test_classify_hysteresis(shown: Verdict, value: float, expected: Verdict) -> None:
    tracker = RuleTracker(0.0, 10.0, hysteresis=2.0, min_duration_s=0.3)
    tracker.verdict = shown
    assert tracker.classify(value) is expected


def test_starts_unknown_and_reset_forgets() -> None:
    tracker = RuleTracker(0.0, 10.0, 2.0, 0.3)
    assert tracker.verdict is UNKNOWN
    tracker.update(20.0, 0.0)
    assert tracker.verdict is HIGH
    tracker.reset()
    assert tracker.verdict is UNKNOWN
    # After a reset the first value decides at once, even one in the old failing band.
    assert tracker.update(9.0, 0.1) is PASS


@pytest.mark.parametrize(
    ("fault", "failing", "value"),
    [
        # torso-upright [-15, 20], hysteresis 5: arching (-16), then 17 - near the top, not too low.
        pytest.param(-16.0, LOW, 17.0, id="low-then-near-the-top-is-not-low"),
        pytest.param(21.0, HIGH, -12.0, id="high-then-near-the-bottom-is-not-high"),
    ],
)
def test_a_failing_verdict_holds_only_in_the_band_of_the_limit_it_broke(
    fault: float, failing: Verdict, value: float
) -> None:
    tracker = RuleTracker(-15.0, 20.0, hysteresis=5.0, min_duration_s=0.4)
    # The value is inside the range, in the band of the *other* limit: a plain PASS candidate,
    # shown once it has lasted min_duration_s (0.1 -> 0.5 s), and never the old failure's cue.
    run(
        tracker,
        [
            (0.0, fault, failing),
            *frames(0.1, 0.45, 30, value, failing),
            *frames(0.5, 2.0, 30, value, PASS),
        ],
    )


def test_flip_after_exactly_min_duration_at_10fps() -> None:
    tracker = RuleTracker(0.0, 10.0, hysteresis=2.0, min_duration_s=0.4)
    verdicts = [tracker.update(5.0 if i < 3 else 11.0, i / 10) for i in range(10)]
    # Over the limit from frame 3 (t=0.3): 0.4 s later is frame 7 (t=0.7), although
    # 0.7 - 0.3 == 0.39999999999999997 in floats; not a frame earlier either.
    assert verdicts == [PASS] * 7 + [HIGH] * 3

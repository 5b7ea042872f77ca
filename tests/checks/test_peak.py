"""Measurements relative to the person's own held peak (`relative: peak`)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from posecheck.checks.peak import HeldPeak, RelativeToPeak
from posecheck.errors import SpecError
from posecheck.results import Measurement
from posecheck.spec import find_spec, load_spec
from posecheck.spec.describe import describe_measure

FPS = 10.0


def _feed(peak: HeldPeak, values: list[float]) -> list[float]:
    return [peak.update(v, k / FPS) for k, v in enumerate(values)]


def test_a_peak_must_be_held_a_glitch_is_not_one() -> None:
    peak = HeldPeak(hold_s=0.3)
    # Held at 0.6 for 0.4 s, a one-frame spike to 2.0, then lower.
    references = _feed(peak, [0.6, 0.6, 0.6, 0.6, 0.6, 2.0, 0.5, 0.5, 0.5, 0.5])
    assert peak.peak == pytest.approx(0.6)
    assert references[-1] == pytest.approx(0.6)


def test_before_anything_is_held_the_highest_value_seen_stands_in() -> None:
    peak = HeldPeak(hold_s=0.3)
    assert math.isnan(peak.reference)
    assert _feed(peak, [0.5, 0.59, 0.58]) == [0.5, 0.59, 0.59]
    assert math.isnan(peak.peak)
    # 0.3 s from the first frame, the lowest of them is what was held.
    peak.update(0.57, 0.3)
    assert peak.peak == pytest.approx(0.5)
    # Held 0.3 s at >= 0.57 from 0.1 s on: the held peak takes over.
    peak.update(0.57, 0.4)
    assert peak.peak == pytest.approx(0.57) and peak.reference == pytest.approx(0.57)


def test_an_unseen_frame_breaks_the_hold_and_reset_forgets() -> None:
    peak = HeldPeak(hold_s=0.3)
    _feed(peak, [0.7, 0.7, math.nan, 0.7, 0.7])
    assert math.isnan(peak.peak)  # never 0.3 s in a row
    peak.update(0.7, 0.5)
    peak.update(0.7, 0.6)
    assert peak.peak == pytest.approx(0.7)
    peak.reset()
    assert math.isnan(peak.reference)


def _knees(value: float) -> dict[str, Measurement]:
    return {"knees_up": Measurement("knees_up", "knee height", value, "ratio", (), "")}


def test_knees_rolled_read_as_a_share_of_their_own_middle_height() -> None:
    spec = load_spec(find_spec("lower-back-rotation"))
    assert spec.measurements["knees_up"].unit == "ratio"
    relative = RelativeToPeak(spec)
    # Two people, one camera each: middle at 0.6 and at 0.35 torso lengths, rolled 60 deg.
    for middle in (0.6, 0.35):
        relative.reset()
        shares = [relative.apply(_knees(v), k / FPS)["knees_up"].value for k, v in enumerate([middle] * 5)]
        rolled = relative.apply(_knees(middle * math.cos(math.radians(60))), 0.5)["knees_up"].value
        assert shares[-1] == pytest.approx(1.0)
        assert rolled == pytest.approx(0.5)
    # No peak above zero yet: unknown, never a division by zero.
    relative.reset()
    assert math.isnan(relative.apply(_knees(0.0), 0.0)["knees_up"].value)


def test_a_photo_is_its_own_peak() -> None:
    relative = RelativeToPeak(load_spec(find_spec("lower-back-rotation")), still_images=True)
    assert relative.apply(_knees(0.42), 0.0)["knees_up"].value == pytest.approx(1.0)


def test_relative_cannot_be_cross_checked(tmp_path: Path) -> None:
    text = (
        find_spec("lower-back-rotation")
        .read_text(encoding="utf-8")
        .replace("    relative: peak\n", "    relative: peak\n    cross_check: either\n")
    )
    path = tmp_path / "lower-back-rotation.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match="'relative' and 'cross_check' cannot be combined"):
        load_spec(path)
    spec = load_spec(find_spec("lower-back-rotation"))
    assert describe_measure(spec.measurements["knees_up"]).endswith(
        "as a share of its own held peak (1 = the peak)"
    )

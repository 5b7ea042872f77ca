"""Golden checks on real footage: what a coach would say about each clip.

Runs the real pose model on ../shared/data/footage (read in place, never copied).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest

from posecheck.cli import main

pytestmark = pytest.mark.slow

# Every video in the two folders the core covers, with the spec that matches it.
CLIPS = {
    "hip_flexor": ("low_lunge/fitbod_kneeling-hip-flexor.mp4", "kneeling-hip-flexor"),
    "static_lunge": ("low_lunge/fitbod_static-lunge.mp4", "kneeling-lunge-twist"),
    "shin_box": ("quad_stretch/fitbod_shin-box-quad-stretch.mp4", "standing-quad-stretch"),
    "prone_quad": ("quad_stretch/traj_prone-quad-stretch_vertical.mp4", "standing-quad-stretch"),
}


@dataclass
class Analysis:
    exit_code: int
    stdout: str
    summary: dict[str, Any]
    rows: list[dict[str, str]]
    out_dir: Path
    stem: str


@pytest.fixture(scope="module")
def analyses(
    footage_dir: Path, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Analysis]:
    os.environ["POSECHECK_MODEL"] = str(model_path)
    results = {}
    for key, (relative, spec) in CLIPS.items():
        clip = footage_dir / relative
        out_dir = tmp_path_factory.mktemp(key)
        import contextlib
        import io

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
            code = main(["analyze", str(clip), "--stretch", spec, "--out", str(out_dir)])
        stem = clip.stem
        summary = json.loads((out_dir / f"{stem}.summary.json").read_text())
        with (out_dir / f"{stem}.frames.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        results[key] = Analysis(code, buffer.getvalue(), summary, rows, out_dir, stem)
    return results


@pytest.mark.parametrize("key", sorted(CLIPS))
def test_every_clip_gives_every_output(analyses: dict[str, Analysis], footage_dir: Path, key: str) -> None:
    result = analyses[key]
    assert result.exit_code == 0, result.stdout
    with av.open(str(footage_dir / CLIPS[key][0])) as source:
        source_frames = sum(1 for _ in source.decode(video=0))
    assert len(result.rows) == source_frames
    assert result.summary["frames_analysed"] == source_frames
    assert result.summary["complete"] is True
    video = result.out_dir / f"{result.stem}.annotated.mp4"
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert max(stream.width, stream.height) <= 1280
        assert sum(1 for _ in container.decode(stream)) == source_frames
    assert (result.out_dir / f"{result.stem}.timeline.png").stat().st_size > 10_000
    assert "Verdict:" in result.stdout


def test_hip_flexor_clip_reaches_a_hold_with_the_knee_over_the_ankle(analyses: dict[str, Analysis]) -> None:
    rows = analyses["hip_flexor"].rows
    in_pose = [r for r in rows if r["in_pose"] == "1"]
    assert len(in_pose) >= 0.9 * len(rows)
    # The model sees a right-leg-forward half-kneel (she faces image-left).
    assert {r["side"] for r in in_pose} == {"right"}
    knee_pass = sum(r["knee-over-ankle"] == "pass" for r in in_pose)
    assert knee_pass >= 0.95 * len(in_pose)
    holding = [r for r in rows if r["hold_state"] == "holding"]
    assert len(holding) >= 0.9 * len(rows)
    right = analyses["hip_flexor"].summary["sides"]["right"]
    assert right["best_held_s"] >= 13.5  # the clip is 14.1 s long and she holds all of it
    assert right["rules"]["knee-over-ankle"] == {
        "fail_s": 0.0,
        "first_fail_s": None,
        "last_fail_s": None,
        "episodes": 0,
        "frames_failing": 0,
    }


def test_hip_flexor_csv_times_come_from_the_container(
    analyses: dict[str, Analysis], footage_dir: Path
) -> None:
    times = [float(r["timestamp_s"]) for r in analyses["hip_flexor"].rows]
    with av.open(str(footage_dir / CLIPS["hip_flexor"][0])) as container:
        stream = container.streams.video[0]
        container_times = [float(f.pts * stream.time_base) for f in container.decode(stream)]
    start = container_times[0]
    assert times == pytest.approx([t - start for t in container_times], abs=0.0005)


@pytest.mark.parametrize("key", ["shin_box", "prone_quad"])
def test_other_quad_stretches_are_not_a_standing_quad_stretch(
    analyses: dict[str, Analysis], key: str
) -> None:
    rows = analyses[key].rows
    assert sum(r["in_pose"] == "1" for r in rows) <= 0.05 * len(rows)
    assert all(r["hold_state"] in ("waiting", "") for r in rows)


def test_photo_folder_of_quad_stretches(
    footage_dir: Path, model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coach's snapshot check: the standing photo is in the pose, lying/kneeling variants are not."""
    folder = tmp_path / "photos"
    folder.mkdir()
    names = {
        "ifaizj_standing-quad-stretch.webp": True,
        "fedb_side-lying-quad-stretch_1.jpg": False,
        "eoin_side-lying-quad-stretch.jpg": False,
        "fedb_all-fours-quad-stretch_1.jpg": False,
    }
    for name in names:
        (folder / name).symlink_to(footage_dir / "quad_stretch" / name)
    os.environ["POSECHECK_MODEL"] = str(model_path)
    code = main(["analyze", str(folder), "--stretch", "standing-quad-stretch", "--out", str(tmp_path / "o")])
    assert code == 0
    summary = json.loads((tmp_path / "o" / "photos.summary.json").read_text())
    verdicts = {p["photo"]: p["in_pose"] for p in summary["photos"]}
    assert verdicts == names
    standing = next(p for p in summary["photos"] if p["photo"].startswith("ifaizj"))
    assert standing["faults"] == []
    for name in names:
        assert (tmp_path / "o" / f"{Path(name).stem}.annotated.jpg").stat().st_size > 5_000
    assert "1 of 4 photo(s) in the pose" in capsys.readouterr().out

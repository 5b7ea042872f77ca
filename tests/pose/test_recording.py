"""Pose recordings: round trips, interrupted files, located errors, and the commands that use them."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from posecheck.cli import main
from posecheck.errors import SourceError
from posecheck.pose.detector import PoseDetector
from posecheck.pose.landmarks import LANDMARK_INDEX, NUM_LANDMARKS, Pose
from posecheck.pose.recording import (
    FORMAT_VERSION,
    PoseRecordingWriter,
    RecordingDetector,
    RecordingHeader,
    is_recording_path,
    open_recording,
    recording_stem,
)
from posecheck.session import analyze_recording, analyze_video, recording_header
from posecheck.spec import find_spec, load_spec
from posecheck.synth import BodyAngles, Noise, Scene, render
from posecheck.synth.script import hold
from posecheck.video.frame import Frame
from posecheck.video.sources import FrameSource, open_source

HEADER = RecordingHeader(
    source="clip.mp4", size_wh=(1280, 720), model="pose_landmarker_full.task", fps_hint=30.0
)


def _poses(count: int = 12) -> list[Pose | None]:
    steady = Noise(pose_dropouts_per_min=0, landmark_dropouts_per_min=0)
    clip = render(hold(BodyAngles(trunk_lean_deg=5.0), (count - 0.5) / 30), Scene(), steady, fps=30, seed=3)
    poses: list[Pose | None] = [f.pose for f in clip.frames]
    assert len(poses) == count
    if count > 4:
        poses[4] = None  # nobody found on one frame
    first = poses[0]
    assert first is not None
    world = first.world_xyz_m.copy()
    world[LANDMARK_INDEX["left_heel"]] = np.nan  # a value the model did not give
    poses[0] = Pose(first.xy_px, world, first.visibility, first.image_wh)
    return poses


def _write(path: Path, poses: list[Pose | None], header: RecordingHeader = HEADER) -> None:
    with PoseRecordingWriter(path, header) as writer:
        for i, pose in enumerate(poses):
            writer.write(i, i / 30, pose)


@pytest.mark.parametrize("name", ["clip.pose.jsonl", "clip.pose.jsonl.gz"])
def test_round_trip_keeps_values_to_their_stated_precision(tmp_path: Path, name: str) -> None:
    poses = _poses()
    path = tmp_path / name
    _write(path, poses)
    recording = open_recording(path)
    assert recording.header == HEADER
    assert recording.name == "clip"
    frames = recording.read_all()
    assert [f.index for f in frames] == list(range(len(poses)))
    assert [f.timestamp_s for f in frames] == pytest.approx([i / 30 for i in range(len(poses))], abs=1e-6)
    for frame, pose in zip(frames, poses, strict=True):
        if pose is None:
            assert frame.pose is None
            continue
        assert frame.pose is not None
        assert frame.pose.image_wh == (1280, 720)
        np.testing.assert_allclose(frame.pose.xy_px, pose.xy_px, atol=0.05 + 1e-9)
        np.testing.assert_allclose(frame.pose.world_xyz_m, pose.world_xyz_m, atol=5e-5 + 1e-12)
        np.testing.assert_allclose(frame.pose.visibility, pose.visibility, atol=5e-4 + 1e-12)
    first = frames[0].pose
    assert first is not None
    assert np.isnan(first.world_xyz_m[LANDMARK_INDEX["left_heel"]]).all()
    assert not recording.truncated


def test_header_line_is_self_describing(tmp_path: Path) -> None:
    path = tmp_path / "clip.pose.jsonl"
    _write(path, _poses(2))
    header = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert header["format"] == "posecheck-pose"
    assert header["version"] == FORMAT_VERSION
    assert len(header["landmarks"]) == NUM_LANDMARKS
    assert header["size_wh"] == [1280, 720]


def test_unknown_header_keys_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "clip.pose.jsonl"
    _write(path, _poses(2))
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0]) | {"camera_id": "phone-2"}
    path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n", encoding="utf-8")
    assert open_recording(path).header.extra == {"camera_id": "phone-2"}


def test_interrupted_recording_keeps_every_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.pose.jsonl"
    _write(path, _poses(10))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])  # cut in the middle of the last frame
    recording = open_recording(path)
    frames = recording.read_all()
    assert len(frames) == 9
    assert recording.truncated
    assert recording.problem is not None
    assert "cut.pose.jsonl:11: the last line is cut off" in recording.problem


def test_cut_compressed_recording_reads_up_to_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "cut.pose.jsonl.gz"
    _write(path, _poses(70))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    recording = open_recording(path)
    frames = recording.read_all()
    assert 20 <= len(frames) < 70
    assert recording.truncated


def test_writer_flushes_every_frame_so_a_crash_keeps_a_prefix(tmp_path: Path) -> None:
    path = tmp_path / "live.pose.jsonl"
    writer = PoseRecordingWriter(path, HEADER)
    for i, pose in enumerate(_poses(3)):
        writer.write(i, i / 30, pose)
    # Not closed: what a killed process leaves behind.
    assert len(open_recording(path).read_all()) == 3
    writer.close()


def test_writer_refuses_timestamps_that_do_not_increase(tmp_path: Path) -> None:
    with PoseRecordingWriter(tmp_path / "x.pose.jsonl", HEADER) as writer:
        writer.write(0, 1.0, None)
        with pytest.raises(ValueError, match="does not increase"):
            writer.write(1, 1.0, None)


def _lines(tmp_path: Path) -> list[str]:
    path = tmp_path / "good.pose.jsonl"
    _write(path, _poses(4))
    return path.read_text(encoding="utf-8").splitlines()


def _header_with(lines: list[str], **changes: object) -> list[str]:
    return [json.dumps(json.loads(lines[0]) | changes), *lines[1:]]


def _frame_with(lines: list[str], line_no: int, **changes: object) -> list[str]:
    edited = list(lines)
    edited[line_no - 1] = json.dumps(json.loads(lines[line_no - 1]) | changes)
    return edited


BAD_FILES = [
    ("empty", lambda lines: [], ":1: the file is empty"),
    ("not json", lambda lines: ["hello", *lines[1:]], ":1: not valid JSON"),
    ("other format", lambda lines: _header_with(lines, format="coco"), ":1: not a posecheck pose recording"),
    ("newer version", lambda lines: _header_with(lines, version=2), "upgrade posecheck"),
    ("bad size", lambda lines: _header_with(lines, size_wh=[0, 720]), '"size_wh" must be [width, height]'),
    (
        "other landmarks",
        lambda lines: _header_with(lines, landmarks=["nose"]),
        "MediaPipe pose landmark names",
    ),
]

# A damaged frame line is skipped and reported; the frames around it are kept.
BAD_FRAME_LINES = [
    ("bad frame json", lambda lines: [*lines[:2], "{oops", *lines[3:]], "line 3: not valid JSON"),
    ("no timestamp", lambda lines: _frame_with(lines, 2, t=None), 'line 2: "t" (timestamp in seconds)'),
    (
        "time goes back",
        lambda lines: _frame_with(lines, 3, t=0.0),
        "line 3: timestamp 0.0 s does not come after",
    ),
    (
        "short xy",
        lambda lines: _frame_with(lines, 2, pose={"xy": [[1, 2]], "world": [], "vis": []}),
        '"pose.xy" must be 33 x 2',
    ),
]


@pytest.mark.parametrize(
    ("edit", "message"), [(e, m) for _, e, m in BAD_FRAME_LINES], ids=[n for n, _, _ in BAD_FRAME_LINES]
)
def test_a_bad_frame_line_is_skipped_and_reported(tmp_path: Path, edit: object, message: str) -> None:
    lines = edit(_lines(tmp_path))  # type: ignore[operator]
    path = tmp_path / "bad.pose.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recording = open_recording(path)
    frames = recording.read_all()
    assert len(frames) == 3  # 4 frames, one damaged
    assert recording.truncated
    assert recording.problem is not None
    assert message in recording.problem
    assert "1 unreadable frame line(s), skipped" in recording.problem


@pytest.mark.parametrize(
    ("edit", "message"), [(e, m) for _, e, m in BAD_FILES], ids=[n for n, _, _ in BAD_FILES]
)
def test_bad_files_are_reported_with_file_line_and_fix(tmp_path: Path, edit: object, message: str) -> None:
    lines = edit(_lines(tmp_path))  # type: ignore[operator]
    path = tmp_path / "bad.pose.jsonl"
    path.write_text("\n".join(lines) + "\n" if lines else "", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        open_recording(path).read_all()
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_says_what_to_check(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found: check the path"):
        open_recording(tmp_path / "nope.pose.jsonl")


def test_recording_names() -> None:
    assert is_recording_path("a/clip.pose.jsonl") and is_recording_path("clip.POSE.JSONL.GZ")
    assert not is_recording_path("clip.mp4") and not is_recording_path("clip.jsonl")
    assert recording_stem("x/clip.pose.jsonl.gz") == "clip"


# -- commands -------------------------------------------------------------------


def test_analyze_a_recording_needs_no_model_and_writes_no_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(tmp_path / "no-model-here.task"))
    path = tmp_path / "still.pose.jsonl"
    _write(path, _poses(30))
    code = main(["analyze", str(path), "--stretch", "standing-quad-stretch", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0  # a person standing straight is found, though not in a quad stretch
    assert "no annotated video" in out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["still.frames.csv", "still.report.html", "still.summary.json", "still.timeline.png"]


def test_analyze_a_truncated_recording_writes_results_and_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut.pose.jsonl"
    _write(path, _poses(10))
    path.write_bytes(path.read_bytes()[:-200])
    code = main(["analyze", str(path), "--stretch", "kneeling-hip-flexor", "--out", str(tmp_path), "-q"])
    assert code == 4
    assert "the last line is cut off" in capsys.readouterr().err
    assert (tmp_path / "cut.summary.json").is_file()


def test_record_refuses_photos_and_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model_path: Path, footage_dir: Path
) -> None:
    photo = next((footage_dir / "low_lunge").glob("*.jpg"))
    assert main(["record", str(photo), "--model", str(model_path), "-o", str(tmp_path / "x.pose.jsonl")]) == 4
    assert "record takes a video" in capsys.readouterr().err
    rec = tmp_path / "r.pose.jsonl"
    _write(rec, _poses(2))
    assert main(["record", str(rec), "--model", str(model_path)]) == 4
    assert "already a pose recording" in capsys.readouterr().err
    assert main(["record", str(photo), "--model", str(model_path), "-o", str(tmp_path / "x.json")]) == 4
    assert "must end in .pose.jsonl" in capsys.readouterr().err


class _FirstFrames(FrameSource):
    """The first `limit` frames of a video, so a model-based test stays short."""

    def __init__(self, inner: FrameSource, limit: int) -> None:
        self._inner, self._limit = inner, limit
        self.name, self.size_wh, self.is_video = inner.name, inner.size_wh, inner.is_video
        self.fps_hint, self.frame_count_hint, self.path = inner.fps_hint, limit, getattr(inner, "path", None)

    def __iter__(self) -> Iterator[Frame]:
        return islice(iter(self._inner), self._limit)

    def close(self) -> None:
        self._inner.close()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_rescoring_a_saved_recording_gives_the_video_analysis_verdicts(
    tmp_path: Path, model_path: Path, footage_dir: Path
) -> None:
    clip = footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4"
    spec = load_spec(find_spec("kneeling-hip-flexor"))
    rec_path = tmp_path / "rec" / "fitbod.pose.jsonl"
    with open_source(clip) as video, PoseDetector(model_path) as detector:
        source = _FirstFrames(video, 90)
        with PoseRecordingWriter(rec_path, recording_header(source, model_path)) as writer:
            analyze_video(
                source, spec, RecordingDetector(detector, writer), tmp_path / "video", write_video=False
            )
    header = open_recording(rec_path).header
    # The 1080p clip is analysed at 1280x720 (`ANALYSIS_MAX_LONG_SIDE_PX`): the size of the
    # pictures the landmarks' pixels refer to.
    assert header.model == model_path.name and header.size_wh == (1280, 720) and header.source == clip.name
    analyze_recording(open_recording(rec_path), spec, tmp_path / "rescored")

    from_video = _csv_rows(tmp_path / "video" / "fitbod_kneeling-hip-flexor.frames.csv")
    rescored = _csv_rows(tmp_path / "rescored" / "fitbod.frames.csv")
    assert len(from_video) == len(rescored) == 90
    rules = [r.id for r in spec.rules]
    for a, b in zip(from_video, rescored, strict=True):
        assert a["timestamp_s"] == b["timestamp_s"]
        assert [a[r] for r in rules] == [b[r] for r in rules]
        assert (a["in_pose"], a["hold_state"]) == (b["in_pose"], b["hold_state"])
        for measure_id in spec.measurements:
            if a[measure_id] or b[measure_id]:
                # 0.1 px rounding moves an angle by well under 0.1 degree at this size.
                assert float(a[measure_id]) == pytest.approx(float(b[measure_id]), abs=0.15)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("t", 10**4000, id="huge-int-t"),
        pytest.param("i", 10**4000, id="huge-int-i"),
        pytest.param("xy", [[10**400, 1]] * 33, id="huge-int-xy"),
        pytest.param("world", [[1, 2, -(10**999)]] * 33, id="huge-int-world"),
    ],
)
def test_huge_integers_are_a_reported_bad_line(tmp_path: Path, field: str, value: object) -> None:
    lines = _lines(tmp_path)
    if field in ("t", "i"):
        lines = _frame_with(lines, 3, **{field: value})
    else:
        frame = json.loads(lines[2])
        frame["pose"][field] = value
        lines[2] = json.dumps(frame)
    path = tmp_path / "huge.pose.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recording = open_recording(path)
    frames = recording.read_all()
    assert [f.index for f in frames] == [0, 2, 3]
    assert recording.truncated
    assert recording.problem is not None and "line 3:" in recording.problem


def test_garbage_line_keeps_the_good_frames_on_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "long.pose.jsonl"
    _write(path, _poses(40))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(31, "\x00\x01 garbage \xff")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recording = open_recording(path)
    frames = recording.read_all()
    assert len(frames) == 40
    assert recording.truncated
    assert recording.problem is not None
    assert "line 32: not valid JSON" in recording.problem
    assert "the 40 readable frames were read" in recording.problem


def test_infinite_coordinates_read_as_missing(tmp_path: Path) -> None:
    lines = _lines(tmp_path)
    frame = json.loads(lines[1])
    frame["pose"]["xy"][0] = [1e400, -1e400]  # json writes these as Infinity / -Infinity
    lines[1] = json.dumps(frame)
    path = tmp_path / "inf.pose.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frames = open_recording(path).read_all()
    assert len(frames) == 4
    pose = frames[0].pose
    assert pose is not None and np.isnan(pose.xy_px[0]).all()

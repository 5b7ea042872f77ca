"""`posecheck analyze` over many videos: inputs, parallel workers, the index, failures, Ray."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import av
import pytest

from posecheck.batch.jobs import EXIT_INTERRUPTED, EXIT_NO_PERSON, plan_jobs, video_inputs
from posecheck.cli import main
from posecheck.commands.common import ExitCode
from posecheck.errors import SourceError

SMALL_CLIP = Path("quad_stretch") / "traj_prone-quad-stretch_vertical.mp4"  # 202x360, 30 fps
HIP_CLIP = Path("low_lunge") / "fitbod_kneeling-hip-flexor.mp4"  # 1920x1080, 60 fps
SPEC = "kneeling-hip-flexor"


def _cut(source: Path, target: Path, seconds: float, height_px: int | None = None) -> Path:
    """The first `seconds` of `source` (optionally scaled to `height_px`) as a new H.264 file."""
    with av.open(str(source)) as reader, av.open(str(target), "w") as writer:
        stream = reader.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if height_px is not None:
            width, height = round(width * height_px / height / 2) * 2, height_px
        out = writer.add_stream("libx264", rate=stream.average_rate, options={"crf": "18"})
        out.width, out.height, out.pix_fmt = width, height, "yuv420p"
        out.codec_context.time_base = stream.time_base
        for frame in reader.decode(stream):
            assert frame.pts is not None and stream.time_base is not None
            if float(frame.pts * stream.time_base) >= seconds:
                break
            picture = frame.reformat(width=width, height=height, format="yuv420p")
            picture.pts, picture.time_base = frame.pts, stream.time_base
            writer.mux(out.encode(picture))
        writer.mux(out.encode(None))
    return target


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, footage_dir: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    (folder / "sub").mkdir()
    return {
        "hip": _cut(footage_dir / HIP_CLIP, folder / "hip.mp4", 1.5, height_px=360),
        "quad": _cut(footage_dir / SMALL_CLIP, folder / "quad.mp4", 1.5),
        # Same name in another folder: its outputs must not overwrite the first one's.
        "hip_again": _cut(footage_dir / HIP_CLIP, folder / "sub" / "hip.mp4", 1.0, height_px=360),
    }


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _index(out: Path) -> list[dict[str, str]]:
    with (out / "index.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_batch_exit_codes_are_the_table_s() -> None:
    assert (EXIT_NO_PERSON, EXIT_INTERRUPTED) == (ExitCode.NO_PERSON, ExitCode.INTERRUPTED)


def test_inputs_from_folders_globs_and_paths(clips: dict[str, Path]) -> None:
    folder = clips["hip"].parent
    assert video_inputs([str(folder)]) == [folder / "hip.mp4", folder / "quad.mp4"]
    assert video_inputs([str(folder / "*.mp4"), str(clips["hip"])]) == [
        folder / "hip.mp4",
        folder / "quad.mp4",
    ]
    assert video_inputs([str(folder / "**" / "hip.mp4")]) == [folder / "hip.mp4", folder / "sub" / "hip.mp4"]
    with pytest.raises(SourceError, match="No video matches"):
        video_inputs([str(folder / "*.mkv")])
    with pytest.raises(SourceError, match="not found"):
        video_inputs([str(folder / "missing.mp4")])


def test_same_names_get_distinct_outputs(clips: dict[str, Path], tmp_path: Path) -> None:
    jobs = plan_jobs(
        [clips["hip"], clips["hip_again"]], tmp_path, Path("s.yaml"), Path("m.task"), write_video=True
    )
    assert [j.stem for j in jobs] == ["hip", "hip_2"]
    assert all(j.input_path.is_absolute() and j.out_dir.is_absolute() for j in jobs)


@pytest.mark.slow
def test_batch_runs_every_video_and_names_the_failures(
    clips: dict[str, Path], tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all " * 100)
    out = tmp_path / "out"
    argv = [str(clips["hip"]), str(clips["quad"]), str(clips["hip_again"]), str(broken)]
    code, stdout, stderr = _run(
        capsys, "analyze", *argv, "-s", SPEC, "-o", str(out), "--jobs", "2", "--model", str(model_path)
    )
    assert code != 0
    assert "broken.mp4" in stderr and "Traceback" not in stderr
    assert "1 of 4 video(s)" in stderr
    for name in ("hip.mp4", "quad.mp4", "broken.mp4"):
        assert name in stdout  # one line per file
    rows = {Path(r["input"]).name + r["input"].count("/sub/") * "@sub": r for r in _index(out)}
    assert set(rows) == {"hip.mp4", "quad.mp4", "hip.mp4@sub", "broken.mp4"}
    assert rows["broken.mp4"]["status"] == "failed" and rows["broken.mp4"]["report"] == ""
    for key in ("hip.mp4", "hip.mp4@sub"):
        assert rows[key]["status"] == "ok"
        assert rows[key]["verdict"]
        assert (out / rows[key]["report"]).is_file()
        assert (out / rows[key]["video"]).is_file()
    assert (
        rows["hip.mp4"]["report"] == "hip.report.html"
        and rows["hip.mp4@sub"]["report"] == "hip_2.report.html"
    )
    # Each result is the one a single `analyze` of that file gives.
    summary = json.loads((out / "hip.summary.json").read_text())
    assert summary["frames_analysed"] == int(rows["hip.mp4"]["frames"])
    page = (out / "index.html").read_text()
    assert 'href="hip.report.html"' in page and "broken.mp4" in page and "<script" not in page


@pytest.mark.slow
def test_batch_matches_single_runs(
    clips: dict[str, Path], tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    single, batch = tmp_path / "single", tmp_path / "batch"
    code, _, _ = _run(capsys, "analyze", str(clips["hip"]), "-s", SPEC, "-o", str(single), "-q", "--no-video",
                      "--model", str(model_path))  # fmt: skip
    assert code == 0
    code, _, _ = _run(capsys, "analyze", str(clips["hip"]), str(clips["quad"]), "-s", SPEC, "-o", str(batch),
                      "-q", "--no-video", "--jobs", "2", "--model", str(model_path))  # fmt: skip
    # The quad clip may show nobody in the kneeling pose's view; the hip clip must match.
    assert code in (0, ExitCode.NO_PERSON)
    assert (single / "hip.frames.csv").read_text() == (batch / "hip.frames.csv").read_text()


def test_ray_missing_is_one_line_with_the_install_command(
    clips: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    code, _, stderr = _run(
        capsys,
        "analyze",
        str(clips["hip"]),
        str(clips["quad"]),
        "-s",
        SPEC,
        "-o",
        str(tmp_path),
        "--ray",
        "local",
    )
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'posecheck[ray]'" in lines[0]


@pytest.mark.slow
def test_batch_on_a_local_ray_instance(
    clips: dict[str, Path], tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import ray  # a dev dependency: missing, this fails rather than skips

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        out = tmp_path / "out"
        code, stdout, stderr = _run(
            capsys, "analyze", str(clips["hip"]), str(clips["hip_again"]), "-s", SPEC, "-o", str(out),
            "--no-video", "--ray", "auto", "--model", str(model_path),
        )  # fmt: skip
    finally:
        ray.shutdown()
    assert code == 0, stderr
    assert "Ray" in stdout
    rows = _index(out)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert all((out / r["report"]).is_file() for r in rows)

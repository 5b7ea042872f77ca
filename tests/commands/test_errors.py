"""Bad input never gives a traceback: one line saying what to do, and a non-zero exit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.cli import main

GOOD_SPEC = "kneeling-hip-flexor"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("posecheck: error: ")
    return lines[0]


@pytest.fixture
def with_model(model_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    return model_path


def test_missing_input_file(capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path) -> None:
    code, _, err = _run(capsys, "analyze", str(tmp_path / "nope.mp4"), "-s", GOOD_SPEC, "-o", str(tmp_path))
    assert code == 4
    assert "not found" in _one_line_error(err)


def test_not_a_video(capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 100)
    code, _, err = _run(capsys, "analyze", str(fake), "-s", GOOD_SPEC, "-o", str(tmp_path / "out"), "-q")
    assert code == 4
    assert "notes.mp4" in _one_line_error(err)


def test_unknown_stretch(capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path) -> None:
    code, _, err = _run(capsys, "analyze", "x.mp4", "-s", "kneeling-hip-flexer", "-o", str(tmp_path))
    assert code == 3
    assert "did you mean 'kneeling-hip-flexor'?" in _one_line_error(err)


def test_an_error_while_the_model_loads_still_reaches_stderr(model_path: Path, tmp_path: Path) -> None:
    """The model loads on a thread while the spec is checked, and MediaPipe's start silences
    file descriptor 2 for a moment: the spec's error must still be printed, once."""
    command = ["analyze", "x.mp4", "-s", "kneeling-hip-flexer", "-o", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "posecheck", *command],
        env={**os.environ, "POSECHECK_MODEL": str(model_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert "did you mean 'kneeling-hip-flexor'?" in _one_line_error(result.stderr)


def test_malformed_spec(capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("id: broken\nname: x\nview: side\nhold: {target_s: 30\n")
    code, _, err = _run(capsys, "analyze", "x.mp4", "-s", str(spec), "-o", str(tmp_path))
    assert code == 3
    line = _one_line_error(err)
    assert "broken.yaml:" in line and "not valid YAML" in line


def test_missing_model_path(capsys: pytest.CaptureFixture[str], tmp_path: Path, footage_dir: Path) -> None:
    clip = footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4"
    code, _, err = _run(
        capsys,
        "analyze",
        str(clip),
        "-s",
        GOOD_SPEC,
        "--model",
        str(tmp_path / "m.task"),
        "-o",
        str(tmp_path),
    )
    assert code == 5
    assert "m.task" in _one_line_error(err)


def test_specs_check_reports_bad_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("id: bad\nname: Bad\nview: side\nhold: {target_s: 30}\nentry_cue: x\nwobble: 1\n")
    code, out, _ = _run(capsys, "specs", "check", str(spec))
    assert code == 3
    assert f"{spec}:6: wobble: unknown key 'wobble'" in out


def _write_clip(path: Path, frames: int, fps: int = 15) -> None:
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(frames):
            image = rng.integers(90, 110, size=(240, 320, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.mark.slow
def test_video_with_nobody(capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path) -> None:
    clip = tmp_path / "empty_room.mp4"
    _write_clip(clip, frames=20)
    code, _, err = _run(capsys, "analyze", str(clip), "-s", GOOD_SPEC, "-o", str(tmp_path / "out"), "-q")
    assert code == 7  # no person found
    assert "no person found in" in err and "Traceback" not in err
    summary = json.loads((tmp_path / "out" / "empty_room.summary.json").read_text())
    assert summary["frames_with_person"] == 0
    assert (tmp_path / "out" / "empty_room.annotated.mp4").exists()


@pytest.mark.slow
def test_truncated_video_keeps_partial_results(
    capsys: pytest.CaptureFixture[str], with_model: Path, tmp_path: Path, footage_dir: Path
) -> None:
    source = footage_dir / "quad_stretch" / "traj_prone-quad-stretch_vertical.mp4"
    clip = tmp_path / "cut.mp4"
    shutil.copyfile(source, clip)
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    code, _, err = _run(
        capsys, "analyze", str(clip), "-s", "standing-quad-stretch", "-o", str(tmp_path / "o"), "-q"
    )
    assert code == 4
    assert "truncated" in err.lower() and "Traceback" not in err
    summary = json.loads((tmp_path / "o" / "cut.summary.json").read_text())
    assert summary["complete"] is False
    assert summary["frames_analysed"] > 0
    with av.open(str(tmp_path / "o" / "cut.annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == summary["frames_analysed"]


@pytest.mark.slow
def test_interrupted_analysis_leaves_playable_results(
    tmp_path: Path, model_path: Path, footage_dir: Path
) -> None:
    """Ctrl-C half-way: exit 130, a playable video and a summary of what was done."""
    import os
    import signal
    import subprocess
    import sys
    import time

    clip = footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4"
    out = tmp_path / "out"
    env = {**os.environ, "POSECHECK_MODEL": str(model_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "posecheck", "analyze", str(clip), "-s", GOOD_SPEC, "-o", str(out), "-q"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    csv_path = out / f"{clip.stem}.frames.csv"
    staged_csv = out / f"{clip.stem}.partial.frames.csv"  # its name until the run ends
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if staged_csv.exists() and staged_csv.read_text().count("\n") > 60:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    summary = json.loads((out / f"{clip.stem}.summary.json").read_text())
    assert summary["complete"] is False
    assert 0 < summary["frames_analysed"] < 845
    with av.open(str(out / f"{clip.stem}.annotated.mp4")) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded == summary["frames_analysed"]
    assert not staged_csv.exists()  # renamed into place, marked partial by the summary
    rows = csv_path.read_text().strip().splitlines()
    assert len(rows) - 1 == summary["frames_analysed"]

"""Bad input, end to end: every case generates its input, runs the command and checks the exit
code, the one line the user reads, and that no output looks complete when it is not.

Set POSECHECK_BAD_INPUT_TABLE=FILE to append one JSON line per case (case, what the user
sees, exit code): the table in the README's exit-code section is made from it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from itertools import islice
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from posecheck.cli import main

pytestmark = pytest.mark.slow  # most cases run the real pose model

REPO = Path(__file__).resolve().parents[2]
SPEC = "kneeling-hip-flexor"
CLIP = "low_lunge/fitbod_kneeling-hip-flexor.mp4"

OK, USAGE, SPEC_ERROR, BAD_INPUT, NO_MODEL, CANNOT_WRITE, NO_PERSON = 0, 2, 3, 4, 5, 6, 7
INTERRUPTED, TERMINATED = 130, 143


# --------------------------------------------------------------------------- running


@pytest.fixture(autouse=True)
def _env(model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    monkeypatch.setenv("POSECHECK_SPECS_DIR", str(REPO / "stretch_specs"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # the first-start note
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no cached model
    monkeypatch.chdir(tmp_path)


def _record(case: str, seen: str, code: int) -> None:
    table = os.environ.get("POSECHECK_BAD_INPUT_TABLE")
    if table:
        with open(table, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"case": case, "seen": seen, "code": code}) + "\n")


def run(case: str, *argv: str, code: int, message: str | None = None) -> str:
    """Run `posecheck ARGV` in this process; check the exit code and the single error line."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            got = main(list(argv))
        except SystemExit as exit_:  # argparse
            got = int(exit_.code or 0)
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    line = _one_line(stderr, got)
    printed = out.getvalue().strip().splitlines()
    _record(case, line or (printed[0] if printed else "(nothing printed with -q; results written)"), got)
    assert got == code, f"exit {got}, expected {code}: {stderr}"
    if message is not None:
        assert re.search(message, line), line
    return line


def run_process(
    case: str,
    argv: list[str],
    *,
    code: int,
    message: str | None = None,
    before: Callable[[subprocess.Popen[str]], None] | None = None,
    preexec: Callable[[], None] | None = None,
    prefix: list[str] | None = None,
) -> str:
    """Run `posecheck ARGV` as its own process (signals, limits, mounts)."""
    process = subprocess.Popen(
        [*(prefix or []), sys.executable, "-m", "posecheck", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )
    if before is not None:
        before(process)
    _, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr, stderr
    line = _one_line(stderr, process.returncode)
    _record(case, line, process.returncode)
    assert process.returncode == code, f"exit {process.returncode}, expected {code}: {stderr}"
    if message is not None:
        assert re.search(message, line), line
    return line


def _one_line(stderr: str, code: int) -> str:
    """The line the user reads: errors are one line starting 'posecheck: '; warnings may precede."""
    lines = [
        line for line in stderr.splitlines() if line.strip() and not line.startswith("posecheck: warning")
    ]
    if code in (OK, USAGE):
        return lines[-1] if lines else ""
    assert len(lines) == 1, stderr
    assert lines[0].startswith("posecheck: "), stderr
    return lines[0]


def summary_of(out_dir: Path, stem: str) -> dict[str, Any]:
    return json.loads((out_dir / f"{stem}.summary.json").read_text(encoding="utf-8"))


def assert_nothing_looks_complete(out_dir: Path) -> None:
    """No summary says complete; no temporary file is left behind under a final name."""
    for path in out_dir.glob("*.summary.json"):
        assert json.loads(path.read_text())["complete"] is False, path
    assert not list(out_dir.glob("*.partial*")), list(out_dir.iterdir())


# --------------------------------------------------------------------------- inputs


def write_video(
    path: Path,
    frames: Iterator[np.ndarray] | list[np.ndarray],
    *,
    fps: int = 30,
    pts: list[int] | None = None,
    rotation: int | None = None,
    codec: str = "libx264",
    container_format: str | None = None,
) -> Path:
    frames = list(frames)
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        # MPEG-2 allows only standard frame rates as its time base.
        tick = Fraction(1, fps) if codec == "mpeg2video" else Fraction(1, 1000)
        stream.codec_context.time_base = tick
        if rotation is not None:
            stream.set_display_rotation(rotation)  # type: ignore[attr-defined]
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = pts[i] if pts is not None else round(i / fps / tick)
            frame.time_base = tick
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def person_frames(footage_dir: Path, count: int = 20, width: int = 480) -> list[np.ndarray]:
    """The first frames of a real clip, scaled down (made in the test's temporary folder only)."""
    from posecheck.video.sources import open_source

    with open_source(footage_dir / CLIP) as source:
        frames = [f.image_bgr for f in islice(source, count)]
    height = round(frames[0].shape[0] * width / frames[0].shape[1]) // 2 * 2
    return [cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames]


def blank_frames(count: int, size_wh: tuple[int, int] = (64, 48), value: int = 0) -> list[np.ndarray]:
    return [np.full((size_wh[1], size_wh[0], 3), value, np.uint8) for _ in range(count)]


def noise_frames(count: int, size_wh: tuple[int, int] = (160, 120)) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    return [rng.integers(0, 255, (size_wh[1], size_wh[0], 3), dtype=np.uint8) for _ in range(count)]


@pytest.fixture
def person_clip(footage_dir: Path, tmp_path: Path) -> Path:
    return write_video(tmp_path / "person.mp4", person_frames(footage_dir))


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """A real pose recording (the sample), uncompressed, to damage."""
    path = tmp_path / "take.pose.jsonl"
    with gzip.open(REPO / "samples" / "kneeling-hip-flexor_good.pose.jsonl.gz", "rt") as handle:
        path.write_text("".join(islice(handle, 200)), encoding="utf-8")
    return path


def spec_file(tmp_path: Path, text: str, name: str = SPEC) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_SPEC_TEXT = (REPO / "stretch_specs" / f"{SPEC}.yaml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- command line


def test_bare_posecheck_prints_help_and_fails() -> None:
    run("bare `posecheck`", code=USAGE, message="")


def test_unknown_command() -> None:
    run("unknown command", "analyse", "x.mp4", code=USAGE, message="invalid choice")


def test_missing_stretch_option(tmp_path: Path) -> None:
    run("analyze without --stretch", "analyze", "x.mp4", code=USAGE, message="--stretch")


# --------------------------------------------------------------------------- input files


def test_missing_input_is_checked_before_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSECHECK_MODEL")  # no model anywhere: the input must be reported first
    run("missing input, no model", "analyze", "nope.mp4", "-s", SPEC, code=BAD_INPUT, message="not found")
    assert not Path("results").exists()


def test_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("hello\n" * 100)
    run("text file named .mp4", "analyze", str(path), "-s", SPEC, "-q", code=BAD_INPUT, message="notes.mp4")


def test_audio_only(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    run("audio-only file", "analyze", str(path), "-s", SPEC, "-q", code=BAD_INPUT, message="no video stream")


def test_truncated_video(person_clip: Path, tmp_path: Path) -> None:
    data = person_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    run("truncated video", "analyze", str(cut), "-s", SPEC, "-q", "-o", "o", code=BAD_INPUT, message="cut")
    assert_nothing_looks_complete(Path("o"))


def test_corrupt_middle_of_video(person_clip: Path, tmp_path: Path) -> None:
    data = bytearray(person_clip.read_bytes())
    rng = np.random.default_rng(1)
    middle = len(data) // 2
    data[middle : middle + 4000] = rng.integers(0, 255, 4000, dtype=np.uint8).tobytes()
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(bytes(data))
    line = run_case_any("corrupt bytes mid-video", "analyze", str(bad), "-s", SPEC, "-q", "-o", "o")
    assert line[0] in (OK, BAD_INPUT, NO_PERSON)
    summary = summary_of(Path("o"), "corrupt")
    if line[0] == BAD_INPUT:
        assert summary["complete"] is False


def run_case_any(case: str, *argv: str) -> tuple[int, str]:
    """For inputs whose exit code depends on the decoder: any documented code, never a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        got = main(list(argv))
    assert "Traceback" not in err.getvalue()
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    seen = lines[-1] if lines else out.getvalue().strip().splitlines()[0]
    _record(case, seen, got)
    return got, seen


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    run("empty file", "analyze", str(path), "-s", SPEC, "-q", code=BAD_INPUT, message="empty.mp4")


def test_video_with_nobody(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "room.mp4", noise_frames(10))
    run(
        "nobody in view",
        "analyze",
        str(clip),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=NO_PERSON,
        message="no person",
    )
    assert summary_of(Path("o"), "room")["frames_with_person"] == 0


def test_dark_video(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "dark.mp4", blank_frames(10, (320, 240)))
    run(
        "all-black video",
        "analyze",
        str(clip),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=NO_PERSON,
        message="no person",
    )


def test_tiny_video(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "tiny.mp4", blank_frames(5, (16, 16), 128))
    run("16x16 video", "analyze", str(clip), "-s", SPEC, "-q", "-o", "o", code=NO_PERSON, message="no person")


def test_4k_video(tmp_path: Path, footage_dir: Path) -> None:
    frames = [cv2.resize(f, (3840, 2160)) for f in person_frames(footage_dir, 3)]
    clip = write_video(tmp_path / "big.mp4", frames)
    run("4K video", "analyze", str(clip), "-s", SPEC, "-q", "-o", "o", "--no-video", code=OK)
    assert summary_of(Path("o"), "big")["complete"] is True


def test_rotated_video(tmp_path: Path, footage_dir: Path) -> None:
    frames = [np.ascontiguousarray(np.rot90(f)) for f in person_frames(footage_dir, 10)]
    clip = write_video(tmp_path / "phone.mp4", frames, rotation=90)
    run("rotated (display matrix) video", "analyze", str(clip), "-s", SPEC, "-q", "-o", "o", code=OK)
    assert summary_of(Path("o"), "phone")["frames_with_person"] > 0


def test_variable_frame_rate(tmp_path: Path, footage_dir: Path) -> None:
    frames = person_frames(footage_dir, 12)
    pts = [0, 33, 50, 120, 130, 200, 400, 410, 450, 520, 600, 700]
    clip = write_video(tmp_path / "vfr.mp4", frames, pts=pts)
    run("variable frame rate", "analyze", str(clip), "-s", SPEC, "-q", "-o", "o", code=OK)
    assert summary_of(Path("o"), "vfr")["frames_analysed"] == 12


def test_timestamps_restart(tmp_path: Path, footage_dir: Path) -> None:
    frames = person_frames(footage_dir, 20)
    parts = [
        write_video(
            tmp_path / f"part{i}.ts",
            frames[i * 10 : i * 10 + 10],
            codec="mpeg2video",
            container_format="mpegts",
        )
        for i in range(2)
    ]
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(p.read_bytes() for p in parts))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["analyze", str(joined), "-s", SPEC, "-q", "-o", "o"])
    warning = next(line for line in err.getvalue().splitlines() if "start again" in line)
    _record("timestamps restart (joined files)", warning, code)
    assert code == OK
    summary = summary_of(Path("o"), "joined")
    assert summary["frames_analysed"] == 20  # nothing dropped
    assert "start again" in summary["problem"]


# --------------------------------------------------------------------------- photos


def _jpeg(footage_dir: Path) -> bytes:
    ok, data = cv2.imencode(".jpg", person_frames(footage_dir, 1)[0])
    assert ok
    return data.tobytes()


def test_folder_with_an_unreadable_photo(tmp_path: Path, footage_dir: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(_jpeg(footage_dir))
    (folder / "b.jpg").write_bytes(b"not a photo")
    (folder / "c.jpg").write_bytes(_jpeg(footage_dir))
    run(
        "folder with one unreadable photo",
        "analyze",
        str(folder),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=BAD_INPUT,
        message="b.jpg",
    )
    summary = summary_of(Path("o"), "photos")
    assert summary["complete"] is False
    assert summary["photos_analysed"] == 2
    assert summary["skipped"][0]["photo"] == "b.jpg"


def test_truncated_jpeg(tmp_path: Path, footage_dir: Path) -> None:
    data = _jpeg(footage_dir)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    run(
        "truncated JPEG",
        "analyze",
        str(path),
        "-s",
        SPEC,
        "-o",
        "o",
        code=BAD_INPUT,
        message="JPEG is cut off",
    )


def test_folder_without_photos(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    run(
        "folder without photos", "analyze", str(folder), "-s", SPEC, code=BAD_INPUT, message="holds no photos"
    )


# --------------------------------------------------------------------------- specs


SPEC_CASES = [
    ("spec: list as a mapping key", "? {a: [1]}\n: 1\n", "a key is a list or mapping"),
    ("spec: 300-deep nesting", "id: x\nname: " + "[" * 300 + "]" * 300 + "\n", "nested more than"),
    (
        "spec: 5000-digit integer",
        GOOD_SPEC_TEXT.replace("target_s: 30", "target_s: " + "9" * 5000),
        "a number 5000",
    ),
    ("spec: unsafe YAML tag", "id: x\nname: !!python/object/apply:os.system [ls]\n", r"yaml:\d+: "),
    (
        "spec: YAML bomb (billion laughs)",
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        r"yaml:\d+: ",
    ),
    ("spec: bad YAML", "id: x\nhold: {target_s: 30\n", "not valid YAML"),
    ("spec: missing key", GOOD_SPEC_TEXT.replace("view: side\n", ""), "missing required key 'view'"),
]


@pytest.mark.parametrize(("case", "text", "message"), SPEC_CASES, ids=[c[0] for c in SPEC_CASES])
def test_bad_spec_file(tmp_path: Path, person_clip: Path, case: str, text: str, message: str) -> None:
    path = spec_file(tmp_path, text)
    run(case, "analyze", str(person_clip), "-s", str(path), "-o", "o", code=SPEC_ERROR, message=message)
    assert not Path("o").exists()  # checked before anything is written


def test_spec_not_utf8(tmp_path: Path, person_clip: Path) -> None:
    path = tmp_path / f"{SPEC}.yaml"
    path.write_bytes(GOOD_SPEC_TEXT.replace("Kneeling hip flexor", "Étirement").encode("latin-1"))
    run(
        "spec: not UTF-8",
        "analyze",
        str(person_clip),
        "-s",
        str(path),
        code=SPEC_ERROR,
        message=r"yaml:\d+: not UTF-8",
    )


def test_unknown_spec_id(person_clip: Path) -> None:
    run(
        "spec: unknown id",
        "analyze",
        str(person_clip),
        "-s",
        "kneeling-hip-flexer",
        code=SPEC_ERROR,
        message="did you mean",
    )


def test_missing_spec_file(person_clip: Path) -> None:
    run(
        "spec: file not found",
        "analyze",
        str(person_clip),
        "-s",
        "nope.yaml",
        code=SPEC_ERROR,
        message="not found",
    )


def test_specs_dir_pointing_nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSECHECK_SPECS_DIR", "/nonexistent/specs")
    run("POSECHECK_SPECS_DIR pointing nowhere", "specs", code=SPEC_ERROR, message="is not a folder")


def test_dollar_signs_in_names_do_not_break_the_plot(tmp_path: Path, person_clip: Path) -> None:
    text = GOOD_SPEC_TEXT.replace("name: Kneeling hip flexor stretch", "name: Hip $x^{2$ stretch $")
    text = text.replace("label: front knee", "label: $\\frac{knee}$")
    path = spec_file(tmp_path, text)
    run(
        "spec: '$...$' in name and label",
        "analyze",
        str(person_clip),
        "-s",
        str(path),
        "-q",
        "-o",
        "o",
        code=OK,
    )
    assert (Path("o") / "person.timeline.png").stat().st_size > 1000


# --------------------------------------------------------------------------- model


def test_missing_model(tmp_path: Path, person_clip: Path) -> None:
    run(
        "--model file missing",
        "analyze",
        str(person_clip),
        "-s",
        SPEC,
        "--model",
        str(tmp_path / "m.task"),
        code=NO_MODEL,
        message="does not exist",
    )


def test_corrupt_model(tmp_path: Path, person_clip: Path) -> None:
    model = tmp_path / "broken.task"
    model.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    run(
        "corrupt model file",
        "analyze",
        str(person_clip),
        "-s",
        SPEC,
        "--model",
        str(model),
        code=NO_MODEL,
        message="broken.task",
    )


# --------------------------------------------------------------------------- recordings


def _damage(recording: Path, line_no: int, text: str) -> Path:
    lines = recording.read_text(encoding="utf-8").splitlines()
    lines[line_no - 1] = text
    recording.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return recording


def test_recording_with_a_huge_integer(recording: Path) -> None:
    frame = json.loads(recording.read_text().splitlines()[50])
    frame["t"] = 10**4000
    _damage(recording, 51, json.dumps(frame))
    run(
        "recording: 4000-digit timestamp",
        "analyze",
        str(recording),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=BAD_INPUT,
        message="line 51",
    )
    summary = summary_of(Path("o"), "take")
    assert summary["complete"] is False and summary["frames_analysed"] == 198


def test_recording_with_a_garbage_line(recording: Path) -> None:
    _damage(recording, 100, "\x00garbage{{{")
    run(
        "recording: one garbage line",
        "analyze",
        str(recording),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=BAD_INPUT,
        message="line 100",
    )
    summary = summary_of(Path("o"), "take")
    assert summary["complete"] is False and summary["frames_analysed"] == 198  # before and after it


def test_recording_with_infinite_coordinates(recording: Path) -> None:
    frame = json.loads(recording.read_text().splitlines()[20])
    frame["pose"]["xy"][0] = [1e999, -1e999]
    _damage(recording, 21, json.dumps(frame).replace("Infinity", "1e999"))
    run("recording: infinite coordinates", "analyze", str(recording), "-s", SPEC, "-q", "-o", "o", code=OK)


def test_empty_recording(tmp_path: Path) -> None:
    path = tmp_path / "empty.pose.jsonl"
    path.write_text("")
    run("recording: empty file", "analyze", str(path), "-s", SPEC, code=BAD_INPUT, message="empty")


def test_cut_compressed_recording(tmp_path: Path) -> None:
    data = (REPO / "samples" / "kneeling-hip-flexor_good.pose.jsonl.gz").read_bytes()
    path = tmp_path / "cut.pose.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    run(
        "recording: cut .gz",
        "analyze",
        str(path),
        "-s",
        SPEC,
        "-q",
        "-o",
        "o",
        code=BAD_INPUT,
        message="compressed data",
    )
    assert summary_of(Path("o"), "cut")["complete"] is False


# --------------------------------------------------------------------------- outputs


def test_out_is_an_existing_file(person_clip: Path, tmp_path: Path) -> None:
    Path("taken").write_text("x")
    run(
        "--out is an existing file",
        "analyze",
        str(person_clip),
        "-s",
        SPEC,
        "-o",
        "taken",
        code=CANNOT_WRITE,
        message="not a folder",
    )


def test_out_on_a_read_only_file_system(person_clip: Path, tmp_path: Path) -> None:
    mount = tmp_path / "ro"
    mount.mkdir()
    shell = f'mount -t tmpfs -o ro none {mount} && exec "$@"'
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs unshare -m to mount a read-only file system")
    run_process(
        "--out on a read-only file system",
        ["analyze", str(person_clip), "-s", SPEC, "-q", "-o", str(mount / "new")],
        prefix=["unshare", "-m", "sh", "-c", shell, "sh"],
        code=CANNOT_WRITE,
        message="Read-only file system",
    )


def test_disk_full(person_clip: Path, tmp_path: Path) -> None:
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # files over 20 kB fail (EFBIG)

    # matplotlib's font cache (in this test's config folder) is built first, without the limit.
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True)

    run_process(
        "disk full (file size limit)",
        ["analyze", str(person_clip), "-s", SPEC, "-q", "-o", "full"],
        preexec=limit,
        code=CANNOT_WRITE,
        message="full|too large",
    )
    assert_nothing_looks_complete(tmp_path / "full")


def test_concurrent_runs_into_one_folder(person_clip: Path, tmp_path: Path) -> None:
    from posecheck.output import OutputLock

    out = tmp_path / "shared"
    out.mkdir()
    with OutputLock(out):  # another run holds the folder
        run(
            "two runs into one --out",
            "analyze",
            str(person_clip),
            "-s",
            SPEC,
            "-q",
            "-o",
            str(out),
            code=CANNOT_WRITE,
            message="another posecheck run",
        )
    assert not list(out.glob("person.*"))


def test_killed_rerun_leaves_no_stale_complete_summary(footage_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    clip = footage_dir / CLIP
    run(
        "first run of a rerun pair",
        "analyze",
        str(clip),
        "-s",
        SPEC,
        "-q",
        "-o",
        str(out),
        "--no-video",
        code=OK,
    )
    first = summary_of(out, clip.stem)
    process = subprocess.Popen(
        [sys.executable, "-m", "posecheck", "analyze", str(clip), "-s", SPEC, "-q", "-o", str(out)]
    )
    time.sleep(8)
    process.kill()
    process.wait()
    # The old outputs are still the old run's, whole; the killed run left no file under a final name.
    assert summary_of(out, clip.stem) == first
    csv_rows = (out / f"{clip.stem}.frames.csv").read_text().count("\n") - 1
    assert csv_rows == first["frames_analysed"]
    assert not (out / f"{clip.stem}.annotated.mp4").exists()
    _record("rerun killed with SIGKILL", "(nothing: the previous complete outputs are left as they were)", -9)


def test_csv_formula_injection(tmp_path: Path, person_clip: Path) -> None:
    text = re.sub(r"(?m)^entry_cue: .*$", 'entry_cue: "@SUM(1+1) kneel"', GOOD_SPEC_TEXT)
    text = re.sub(r"(?m)^(\s+(?:cue|cue_low|cue_high|confirm): ).*$", r'\1"=HYPERLINK(1)"', text)
    text = text.replace("label: front knee", "label: +front knee")
    path = spec_file(tmp_path, text)
    run(
        "spec cue starting with = or @ (CSV)",
        "analyze",
        str(person_clip),
        "-s",
        str(path),
        "-q",
        "-o",
        "o",
        code=OK,
    )
    text = (Path("o") / "person.frames.csv").read_text()
    assert "'@SUM(1+1) kneel" in text or "'=HYPERLINK(1)" in text  # the cues are there, defused
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell
            assert not (cell.startswith("-") and not re.fullmatch(r"-[0-9.]+(e-?\d+)?", cell)), cell


# --------------------------------------------------------------------------- live


def _live(clip: Path, *extra: str) -> list[str]:
    return ["live", "--source", str(clip), "--stretch", SPEC, "--no-window", "--countdown", "0", *extra]


def test_live_missing_source(tmp_path: Path) -> None:
    run("live: --source missing", *_live(tmp_path / "nope.mp4"), code=BAD_INPUT, message="not found")


def test_live_out_is_a_file(person_clip: Path) -> None:
    Path("taken").write_text("x")
    run(
        "live: --out is an existing file",
        *_live(person_clip, "--out", "taken"),
        code=CANNOT_WRITE,
        message="not a folder",
    )


def test_live_bad_spec(tmp_path: Path, person_clip: Path) -> None:
    path = spec_file(tmp_path, "? [1]\n: 2\n")
    argv = ["live", "--source", str(person_clip), "--stretch", str(path), "--no-window", "--countdown", "0"]
    run("live: broken spec at start", *argv, code=SPEC_ERROR, message="a key is a list")


def _signal_when_running(out_dir: Path, signum: int) -> Callable[[subprocess.Popen[str]], None]:
    """Send `signum` once the run is under way: its per-frame CSV (still '.partial') has rows."""

    def send(process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            staged = list(out_dir.glob("*.partial.frames.csv"))
            if staged and staged[0].read_text().count("\n") > 20:
                break
            time.sleep(0.1)
        process.send_signal(signum)

    return send


def test_live_ctrl_c_with_sigint_ignored_at_start(footage_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "live"
    run_process(
        "live: Ctrl-C though started with SIGINT ignored",
        _live(footage_dir / CLIP, "--out", str(out)),
        preexec=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        before=_signal_when_running(out, signal.SIGINT),
        code=INTERRUPTED,
        message="interrupted",
    )
    assert_nothing_looks_complete(out)
    assert list(out.glob("*.summary.json"))


def test_live_sigterm_closes_outputs(footage_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "live"
    run_process(
        "live: SIGTERM",
        _live(footage_dir / CLIP, "--out", str(out), "--record"),
        before=_signal_when_running(out, signal.SIGTERM),
        code=TERMINATED,
        message="SIGTERM",
    )
    assert_nothing_looks_complete(out)
    video = next(out.glob("*.mp4"))
    with av.open(str(video)) as container:  # closed properly: playable
        assert sum(1 for _ in container.decode(video=0)) > 10


def test_analyze_sigterm(footage_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_process(
        "analyze: SIGTERM",
        ["analyze", str(footage_dir / CLIP), "-s", SPEC, "-q", "-o", str(out)],
        before=_signal_when_running(out, signal.SIGTERM),
        code=TERMINATED,
        message="SIGTERM",
    )
    assert_nothing_looks_complete(out)


# --------------------------------------------------------------------------- record


def test_record_out_is_a_file(person_clip: Path) -> None:
    Path("taken.pose.jsonl").mkdir()
    run("record: -o is a folder", "record", str(person_clip), "-o", "taken.pose.jsonl", code=CANNOT_WRITE)


def test_record_a_missing_video() -> None:
    run(
        "record: missing video",
        "record",
        "nope.mp4",
        "-o",
        "x.pose.jsonl",
        code=BAD_INPUT,
        message="not found",
    )

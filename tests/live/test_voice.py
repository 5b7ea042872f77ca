"""`posecheck live --voice` and `live --out`'s report.html, headless on real footage.

The voice says exactly the cue on screen: a RecordingSpeaker is put in place of the
speech engine (through `commands.live._open_speaker`) and what it heard is compared
with the per-frame CSV the same run wrote.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from support.paths import SPECS_DIR

from posecheck.cli import main
from posecheck.commands import live as live_command
from posecheck.voice import RecordingSpeaker
from posecheck.voice.speakers import NO_ENGINE_NOTICE

pytestmark = pytest.mark.slow

HIP_FLEXOR = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
QUAD = "quad_stretch/traj_prone-quad-stretch_vertical.mp4"
STEM = "fitbod_kneeling-hip-flexor.live.kneeling-hip-flexor"
MILESTONES = ("Ten seconds left", "Halfway")
ROUTINE_PROMPTS = ("Get ready: ", "Switch sides: ", "All done")


@pytest.fixture(scope="module")
def voiced_run(
    footage_dir: Path, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One `live --voice --out` run on a real clip, every frame judged, with the voice recorded."""
    out = tmp_path_factory.mktemp("voice")
    speaker = RecordingSpeaker()
    engines: list[str] = []

    def open_speaker(engine: str) -> tuple[RecordingSpeaker, None]:
        engines.append(engine)
        return speaker, None

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSECHECK_MODEL", str(model_path))
        patch.setenv("POSECHECK_SPECS_DIR", str(SPECS_DIR))
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        patch.setattr(live_command, "_open_speaker", open_speaker)
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
            code = main(
                [
                    "live",
                    "--source",
                    str(footage_dir / HIP_FLEXOR),
                    "--stretch",
                    "kneeling-hip-flexor",
                    "--every-frame",
                    "--no-window",
                    "--countdown",
                    "1",
                    "--voice",
                    "--out",
                    str(out),
                ]
            )
    with (out / f"{STEM}.frames.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        "code": code,
        "spoken": speaker.spoken,
        "engines": engines,
        "rows": rows,
        "out": out,
        "stdout": stdout,
    }


def test_every_spoken_cue_is_the_cue_on_screen_at_that_frame(voiced_run: dict[str, Any]) -> None:
    assert voiced_run["code"] == 0
    assert voiced_run["engines"] == ["auto"]  # --voice alone: the best engine here
    spoken: list[tuple[float, str]] = voiced_run["spoken"]
    # The CSV holds every judged frame with the cue drawn on it; countdown frames are not judged.
    shown = {round(float(row["timestamp_s"]), 3): row["cue"] for row in voiced_run["rows"]}
    judged = 0
    for t_s, text in spoken:
        cue = shown.get(round(t_s, 3))
        if cue is None:
            assert text.startswith(ROUTINE_PROMPTS), (t_s, text)  # the countdown's banner
            assert not re.search(r"\d+$", text)  # said once, without its ticking count
        elif text not in MILESTONES:
            assert text == cue, (t_s, text, cue)
            judged += 1
    assert spoken[0][1].startswith("Get ready: ")
    assert judged >= 2  # corrections were said during the hold, not only the countdown


def test_live_out_writes_the_html_report(voiced_run: dict[str, Any]) -> None:
    report = voiced_run["out"] / f"{STEM}.report.html"
    html = report.read_text(encoding="utf-8")
    assert "Kneeling hip flexor stretch" in html
    assert "data:image/jpeg" in html  # the fault moment, captured from the unmirrored frame
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)  # self-contained
    assert "http://" not in html and "https://" not in html
    assert str(report) in voiced_run["stdout"].getvalue()  # listed among the outputs


def test_voice_without_an_engine_says_so_once_and_keeps_going(
    footage_dir: Path,
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no espeak-ng, espeak or say here
    monkeypatch.setattr("posecheck.voice.speakers._module_available", lambda name: False)  # nor pyttsx3
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    monkeypatch.setenv("POSECHECK_SPECS_DIR", str(SPECS_DIR))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    code = main(
        [
            "live",
            "--source",
            str(footage_dir / QUAD),
            "--stretch",
            "standing-quad-stretch",
            "--every-frame",
            "--no-window",
            "--countdown",
            "0",
            "--voice",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert err.count(NO_ENGINE_NOTICE) == 1
    assert "Verdict:" in out and "0 of 297 dropped" in out  # the session ran to the end

"""`posecheck eval` end to end: the real model on three real footage items, then from the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from posecheck.cli import main

REPO_DIR = Path(__file__).resolve().parents[2]
LABELS = REPO_DIR / "tests" / "data" / "footage_labels.yaml"
CHOSEN = (
    "seated_figure_four/chloe_seated-figure-four-on-box.gif",  # a clip of a spec, validation
    "seated_figure_four/eoin_seated-figure-four-chair.jpg",  # a photo of the same spec, tune
    "quad_stretch/traj_prone-quad-stretch_vertical.mp4",  # no spec: negatives for two specs
)


@pytest.fixture
def small_labels(tmp_path: Path, footage_dir: Path) -> Path:
    """The real labels of three items, pointing at the real footage folder."""
    yaml = YAML(typ="rt")
    data = yaml.load(LABELS.read_text(encoding="utf-8"))
    data["footage"] = str(footage_dir)
    data["items"] = [item for item in data["items"] if item["file"] in CHOSEN]
    assert len(data["items"]) == len(CHOSEN)
    path = tmp_path / "labels.yaml"
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return path


@pytest.mark.slow
def test_eval_scores_real_footage_and_reuses_its_recordings(
    small_labels: Path,
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    cache = tmp_path / "cache"
    argv = ["eval", "--labels", str(small_labels), "--cache", str(cache), "--max-fps", "10"]
    assert main([*argv, "--out", str(tmp_path / "first")]) == 0
    first_out, _ = capsys.readouterr()
    assert "pose model run on 3 files, 0 from the cache" in first_out
    assert "split: validation" in first_out and "seated-figure-four" in first_out
    assert len(list(cache.glob("*.pose.jsonl.gz"))) == 3

    report = json.loads((tmp_path / "first" / "eval.json").read_text())
    runs = {(i["file"], i["spec"]): i for i in report["items"]}
    # The prone quad stretch is scored only as a negative, for both its confusable specs.
    assert {spec for file, spec in runs if file == CHOSEN[2]} == {"standing-quad-stretch", "cobra"}
    clip = runs[(CHOSEN[0], "seated-figure-four")]
    assert clip["kind"] == "clip" and 40 <= clip["frames"] <= 73  # 7.2 s, at most 10 frames/s
    recall = clip["in_pose_recall_clips"]
    assert recall["den"] > 0 and 0.0 <= recall["value"] <= 1.0
    assert clip["fault_recall_by_rule"]["fold-forward"]["den"] == recall["den"]
    photo = runs[(CHOSEN[1], "seated-figure-four")]
    assert photo["frames"] == 1 and photo["in_pose_recall_photos"]["den"] == 1
    negative = runs[(CHOSEN[2], "cobra")]
    assert negative["in_pose_recall_clips"]["den"] == 0
    splits = {row["split"] for row in report["rows"]}
    assert splits == {"tune", "validation", "all"}
    assert (tmp_path / "first" / "eval.md").read_text().startswith("# posecheck accuracy")

    # Re-scoring reads the recordings only, and gives the same figures.
    assert main([*argv, "--out", str(tmp_path / "second")]) == 0
    second_out, _ = capsys.readouterr()
    assert "pose model run on 0 files, 3 from the cache" in second_out
    again = json.loads((tmp_path / "second" / "eval.json").read_text())
    assert again["rows"] == report["rows"]

    # A mirrored camera (sides swapped in the labels too) scores the same: the engine has no
    # favourite side. A tilted one is reported beside it, from the same recordings.
    camera_argv = [*argv, "--camera", "mirror", "--camera", "roll:10", "--out", str(tmp_path / "cam")]
    assert main(camera_argv) == 0
    camera_out, _ = capsys.readouterr()
    assert "pose model run on 0 files" in camera_out and "under simulated camera changes" in camera_out
    cameras = json.loads((tmp_path / "cam" / "eval.json").read_text())["cameras"]
    assert [c["camera"] for c in cameras] == ["mirror", "roll +10 deg"]
    assert cameras[0]["rows"] == report["rows"]
    assert {r["split"] for r in cameras[1]["rows"]} == splits
    assert "### roll +10 deg: per spec" in (tmp_path / "cam" / "eval.md").read_text()

    # One spec, one split.
    assert (
        main([*argv, "--split", "tune", "--spec", "seated-figure-four", "-q", "--out", str(tmp_path / "t")])
        == 0
    )
    only = json.loads((tmp_path / "t" / "eval.json").read_text())
    assert {(i["file"], i["spec"]) for i in only["items"]} == {(CHOSEN[1], "seated-figure-four")}


def test_a_bad_labels_file_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "labels.yaml"
    bad.write_text(
        "footage: .\nitems:\n  - {file: a.jpg, split: tune, spec: pigeon, pose: maybe, view: front}\n"
    )
    assert main(["eval", "--labels", str(bad), "--out", str(tmp_path / "o")]) == 3
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"posecheck: error: {bad}:3: items[0].pose: got 'maybe'")


def test_an_unknown_spec_filter_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--labels", str(LABELS), "--spec", "pigeonn", "--out", str(tmp_path)]) == 3
    _, err = capsys.readouterr()
    assert err.strip().splitlines() == [
        "posecheck: error: no stretch spec called 'pigeonn': did you mean 'pigeon'?"
    ]

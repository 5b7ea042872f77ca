"""The footage labels file: the real one is complete and valid; bad ones fail with file:line."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from posecheck.evaluate.labels import FrameLabel, LabelsError, load_labels
from posecheck.spec import list_specs, load_spec

REPO_DIR = Path(__file__).resolve().parents[2]
LABELS = REPO_DIR / "tests" / "data" / "footage_labels.yaml"
MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".mp4", ".gif"}


@pytest.fixture(scope="module")
def catalog() -> dict[str, object]:
    return {spec.id: spec for spec in (load_spec(p) for p in list_specs(REPO_DIR / "stretch_specs"))}


def test_the_labels_cover_every_footage_file(catalog: dict, footage_dir: Path) -> None:  # type: ignore[type-arg]
    labels = load_labels(LABELS, catalog, footage_dir)  # type: ignore[arg-type]
    on_disk = sorted(
        str(p.relative_to(footage_dir)) for p in footage_dir.rglob("*") if p.suffix.lower() in MEDIA_SUFFIXES
    )
    assert sorted(item.file for item in labels.items) == on_disk


def test_the_validation_split_is_about_a_third_and_spans_the_specs(catalog: dict) -> None:  # type: ignore[type-arg]
    labels = load_labels(LABELS, catalog)  # type: ignore[arg-type]
    splits = collections.Counter(item.split for item in labels.items)
    assert 0.25 <= splits["validation"] / len(labels.items) <= 0.4
    clips = [i for i in labels.items if i.is_clip]
    assert 0.25 <= sum(i.split == "validation" for i in clips) / len(clips) <= 0.4
    # Near-identical photos (fedb_x_0 / fedb_x_1) never straddle the split.
    by_group: dict[str, set[str]] = collections.defaultdict(set)
    for item in labels.items:
        stem = Path(item.file).stem
        group = stem.rsplit("_", 1)[0] if stem[-2:] in ("_0", "_1") else stem
        by_group[group].add(item.split)
    assert all(len(s) == 1 for s in by_group.values())
    # Every spec with four or more labelled items has some on each side.
    per_spec: dict[str, set[str]] = collections.defaultdict(set)
    counts = collections.Counter(i.spec for i in labels.items if i.spec)
    for item in labels.items:
        if item.spec:
            per_spec[item.spec].add(item.split)
    for spec_id, n in counts.items():
        if n >= 4:
            assert per_spec[spec_id] == {"tune", "validation"}, spec_id


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_CLIP = """\
footage: .
items:
  - file: a/clip.mp4
    split: tune
    spec: kneeling-hip-flexor
    view: side-on
    segments:
      - {from_s: 1.0, to_s: 2.0, pose: unsure}
      - {from_s: 2.0, to_s: 5.0, pose: in, form: good, side: left}
      - {from_s: 5.0, to_s: 6.0, pose: in, form: [knee-over-ankle], side: left}
"""


def test_frame_labels_follow_the_segments(tmp_path: Path, catalog: dict) -> None:  # type: ignore[type-arg]
    labels = load_labels(_write(tmp_path, GOOD_CLIP), catalog)  # type: ignore[arg-type]
    item = labels.items[0]
    assert labels.footage_dir == tmp_path
    from posecheck.evaluate.labels import frame_labels

    times = [0.5, 1.0, 1.99, 2.0, 4.99, 5.0, 5.99, 6.0, 9.0]
    got = frame_labels(item, "kneeling-hip-flexor", times)
    assert [g.pose for g in got] == ["out", "unsure", "unsure", "in", "in", "in", "in", "out", "out"]
    assert got[3] == FrameLabel("in", (), "left", "side-on")
    assert got[5].faults == ("knee-over-ankle",)
    # Against another spec the same clip is out of pose, except where it is unsure.
    other = frame_labels(item, "pigeon", times)
    assert [g.pose for g in other] == ["out", "unsure", "unsure", "out", "out", "out", "out", "out", "out"]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            GOOD_CLIP.replace("    view: side-on", "    veiw: side-on"),
            6,
            "items[0].veiw: unknown key 'veiw': did you mean 'view'?",
        ),
        (GOOD_CLIP.replace("split: tune", "split: training"), 4, "items[0].split: got 'training'"),
        (
            GOOD_CLIP.replace("from_s: 5.0, to_s: 6.0", "from_s: 4.0, to_s: 6.0"),
            3,
            "segments overlap or are out of order: 2.0-5.0 s then 4.0-6.0 s",
        ),
        (GOOD_CLIP.replace("to_s: 2.0, pose: unsure", "to_s: 0.5, pose: unsure"), 8, "must be after from_s"),
        (
            GOOD_CLIP.replace("[knee-over-ankle]", "[knee-over-toes]"),
            10,
            "items[0].segments[2].form: 'knee-over-toes' is not a rule of kneeling-hip-flexor",
        ),
        (
            GOOD_CLIP.replace("spec: kneeling-hip-flexor", "spec: kneeling-hip-flexr"),
            5,
            "items[0].spec: no stretch spec called 'kneeling-hip-flexr'",
        ),
        (
            GOOD_CLIP.replace("spec: kneeling-hip-flexor", "spec: null").split("    segments:")[0],
            3,
            "spec: null needs confusable",
        ),
        (GOOD_CLIP.replace("pose: in, form: good,", "pose: in,"), 9, "needs form: good"),
        (GOOD_CLIP.replace("view: side-on\n", "view: side-on\n    pose: in\n"), 3, "a clip takes segments"),
        (
            GOOD_CLIP + "  - file: a/clip.mp4\n    split: tune\n",
            11,
            "items[1].spec: missing required key 'spec'",
        ),
        (GOOD_CLIP.replace("items:", "items: [\n"), 4, "not valid YAML"),
        ("- just a list\n", 1, "a labels file must be a mapping"),
    ],
)
def test_a_bad_labels_file_names_file_line_and_fix(
    tmp_path: Path,
    catalog: dict,  # type: ignore[type-arg]
    text: str,
    line: int,
    fragment: str,
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(LabelsError) as caught:
        load_labels(path, catalog)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message
    assert "\n" not in message


def test_a_photo_labelled_twice_is_refused(tmp_path: Path) -> None:
    photo = "  - {file: p.jpg, split: tune, spec: pigeon, pose: out, view: front}\n"
    with pytest.raises(LabelsError, match=r"labelled twice"):
        load_labels(_write(tmp_path, "footage: .\nitems:\n" + photo + photo))


def test_a_missing_labels_file(tmp_path: Path) -> None:
    with pytest.raises(LabelsError, match=r"labels file .* not found"):
        load_labels(tmp_path / "nope.yaml")

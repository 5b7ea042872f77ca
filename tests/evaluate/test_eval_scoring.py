"""Scoring maths on hand-made per-frame results: every figure worked out by hand."""

from __future__ import annotations

from pathlib import Path

from posecheck.evaluate.labels import FrameLabel, Item
from posecheck.evaluate.report import TOTAL, markdown, pct, rows, terminal_table, to_json
from posecheck.evaluate.scoring import FrameOutcome, ItemScore, Ratio, Tally, tally, total

IN_GOOD = FrameLabel("in")
OUT = FrameLabel("out")
UNSURE = FrameLabel("unsure")


def _in(*faults: str, side: str | None = None) -> FrameLabel:
    return FrameLabel("in", tuple(faults), side)


def _said(in_pose: bool, *failing: str, critical: bool = False, side: str | None = None) -> FrameOutcome:
    return FrameOutcome(0.0, in_pose, frozenset(failing), critical, side)


def test_in_pose_recall_and_precision_count_frames_and_skip_unsure() -> None:
    labels = [IN_GOOD] * 6 + [OUT] * 4 + [UNSURE] * 3
    outcomes = (
        [_said(True)] * 4
        + [_said(False)] * 2  # 2 labelled in-pose frames missed
        + [_said(True)]  # 1 false in-pose
        + [_said(False)] * 3
        + [_said(True)] * 3  # unsure: counted nowhere
    )
    t = tally(labels, outcomes, is_clip=True, sided=False)
    assert t.clip_recall == Ratio(4, 6)
    assert t.clip_precision == Ratio(4, 5)
    assert t.false_in_pose == Ratio(1, 4)
    assert t.photo_recall == Ratio(0, 0) and t.photo_recall.value is None
    assert t.false_critical == Ratio(0, 6)


def test_a_photo_counts_as_one_item_on_the_photo_side() -> None:
    t = tally([IN_GOOD], [_said(False)], is_clip=False, sided=False)
    assert (t.photo_recall, t.photo_precision) == (Ratio(0, 1), Ratio(0, 0))
    assert t.clip_recall == Ratio(0, 0)


def test_false_critical_counts_good_form_frames_with_a_critical_fault_shown() -> None:
    labels = [IN_GOOD] * 5 + [_in("knee-over-ankle")] * 2 + [OUT] * 2
    outcomes = [
        _said(True, "knee-over-ankle", critical=True),
        _said(False, "torso-upright", critical=True),  # shown even while not in pose
        _said(True, "back-hip-extended"),  # advisory: not a false critical
        _said(True),
        _said(True),
        _said(True, "knee-over-ankle", critical=True),  # labelled fault: not counted as false
        _said(True),
        _said(False, "knee-over-ankle", critical=True),  # out of pose: not counted
        _said(False),
    ]
    t = tally(labels, outcomes, is_clip=True, sided=False)
    assert t.false_critical == Ratio(2, 5)
    assert t.false_critical.value == 0.4


def test_fault_recall_needs_the_labelled_rule_itself() -> None:
    labels = [_in("knee-over-ankle")] * 3 + [_in("knee-over-ankle", "torso-upright")] * 2 + [IN_GOOD]
    outcomes = [
        _said(True, "knee-over-ankle", critical=True),
        _said(True, "torso-upright", critical=True),  # a fault, but not the one labelled
        _said(True),
        _said(True, "knee-over-ankle", "torso-upright", critical=True),
        _said(True, "torso-upright", critical=True),
        _said(True),
    ]
    t = tally(labels, outcomes, is_clip=True, sided=False)
    assert t.fault_recall_by_rule == {"knee-over-ankle": Ratio(2, 5), "torso-upright": Ratio(2, 2)}
    assert t.fault_recall == Ratio(4, 7)


def test_side_accuracy_counts_undecided_as_wrong_and_only_for_sided_specs() -> None:
    labels = [_in(side="left")] * 4 + [_in(side="right")] * 2 + [IN_GOOD]
    outcomes = [
        _said(True, side="left"),
        _said(True, side="left"),
        _said(True, side="right"),
        _said(True, side=None),
        _said(False, side="right"),  # side judged even when in-pose was missed
        _said(True, side="left"),
        _said(True, side="left"),  # no side label: not counted
    ]
    t = tally(labels, outcomes, is_clip=True, sided=True)
    assert t.side == Ratio(3, 6)
    assert t.side_undecided == Ratio(1, 6)
    assert tally(labels, outcomes, is_clip=True, sided=False).side == Ratio(0, 0)


def test_rep_error_and_sums() -> None:
    one = tally([IN_GOOD], [_said(True)], is_clip=True, sided=False, reps_labelled=6, reps_counted=4)
    two = tally([IN_GOOD], [_said(True)], is_clip=True, sided=False, reps_labelled=2, reps_counted=2)
    assert (one.rep_items, one.rep_exact, one.rep_abs_error) == (1, 0, 2)
    both = total([one, two, Tally()])
    assert (both.rep_items, both.rep_exact, both.rep_abs_error) == (2, 1, 2)
    assert both.rep_mean_abs_error == 1.0
    assert both.clip_recall == Ratio(2, 2)


def test_mismatched_lengths_are_refused() -> None:
    try:
        tally([IN_GOOD, OUT], [_said(True)], is_clip=True, sided=False)
    except ValueError as exc:
        assert "2 labels for 1 outcomes" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


def _item(file: str, split: str, spec: str | None, **extra: object) -> Item:
    if spec is None:
        extra.setdefault("confusable", ["pigeon"])
    return Item.model_validate({"file": file, "split": split, "spec": spec, "view": "side-on", **extra})


def test_rows_per_spec_and_split_with_totals() -> None:
    a = _item("a.mp4", "tune", "pigeon", segments=[])
    b = _item("b.mp4", "validation", "pigeon", segments=[])
    c = _item("c.jpg", "validation", None)
    scores = [
        ItemScore(a, "pigeon", 10, Tally(clip_recall=Ratio(8, 10), clip_precision=Ratio(8, 8))),
        ItemScore(b, "pigeon", 10, Tally(clip_recall=Ratio(1, 4), clip_precision=Ratio(1, 2))),
        ItemScore(c, "pigeon", 1, Tally(photo_precision=Ratio(0, 1))),
        ItemScore(c, "cobra", 1, Tally(photo_precision=Ratio(0, 0))),
    ]
    table = rows(scores, ["tune", "validation", "all"])
    got = {(r.spec_id, r.split): r for r in table}
    assert got[("pigeon", "tune")].tally.clip_recall == Ratio(8, 10)
    assert got[("pigeon", "validation")].tally.clip_recall == Ratio(1, 4)
    assert got[("pigeon", "validation")].tally.photo_precision == Ratio(0, 1)
    assert got[("pigeon", "all")].tally.clip_recall == Ratio(9, 14)
    assert got[("pigeon", "all")].items == 3
    assert ("cobra", "tune") not in got
    assert got[(TOTAL, "validation")].items == 2  # b and c, c scored twice
    assert got[(TOTAL, "all")].tally.clip_precision == Ratio(9, 10)

    text = terminal_table(table, ["tune", "validation", "all"])
    assert "split: validation" in text and "64% (14)" in text
    data = to_json(scores, table, {"labels": "x"})
    assert data["rows"][0]["in_pose_recall_clips"] == {"value": 0.8, "num": 8, "den": 10}
    assert len(data["items"]) == 4
    page = markdown(scores, table, ["tune", "validation", "all"], {"labels": "x"})
    assert "| **(all specs)** |" in page and "cobra (confusable)" in page


def test_percent_text() -> None:
    assert pct(Ratio(1, 3)) == "33% (3)"
    assert pct(Ratio(0, 0)) == "-"


def test_report_files_are_written(tmp_path: Path) -> None:
    from posecheck.evaluate.report import write_reports

    a = _item("a.mp4", "tune", "pigeon", segments=[])
    scores = [ItemScore(a, "pigeon", 3, Tally(clip_recall=Ratio(1, 2)))]
    paths = write_reports(tmp_path / "out", scores, rows(scores, ["tune"]), ["tune"], {"labels": "x"})
    assert paths["json"].is_file() and paths["md"].read_text().startswith("# posecheck accuracy")


def test_view_rows_sum_the_per_view_counts() -> None:
    from posecheck.evaluate.report import view_rows

    a = _item("a.mp4", "tune", "pigeon", segments=[])
    b = _item("b.jpg", "validation", "pigeon", pose="out")
    scores = [
        ItemScore(
            a,
            "pigeon",
            9,
            Tally(clip_recall=Ratio(5, 9)),
            by_view={"side-on": Tally(clip_recall=Ratio(4, 4)), "front": Tally(clip_recall=Ratio(1, 5))},
        ),
        ItemScore(
            b,
            "pigeon",
            1,
            Tally(photo_precision=Ratio(0, 1)),
            by_view={"front": Tally(photo_precision=Ratio(0, 1))},
        ),
    ]
    got = {(r.spec_id, r.split): r for r in view_rows(scores, ["tune", "all"])}
    assert got[("side-on", "tune")].tally.clip_recall == Ratio(4, 4)
    assert got[("front", "all")].items == 2
    assert got[("front", "all")].tally.clip_recall == Ratio(1, 5)
    assert got[("front", "all")].tally.photo_precision == Ratio(0, 1)
    assert ("front", "validation") not in got

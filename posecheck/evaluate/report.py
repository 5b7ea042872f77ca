"""The evaluation report: figures per spec and split as a terminal table, eval.json and eval.md."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.errors import OutputError
from posecheck.evaluate.scoring import ItemScore, Ratio, Tally, total

ALL = "all"
TOTAL = "(all specs)"

METRIC_NOTES = (
    ("in-pose recall (clips)", "labelled in-pose frames that the app also calls in pose"),
    ("in-pose precision (clips)", "frames the app calls in pose that are labelled in pose"),
    ("in-pose recall / precision (photos)", "the same per photo"),
    ("false in-pose", "labelled out-of-pose frames and photos (also of look-alike stretches) called in pose"),
    ("false-critical", "labelled good-form frames and photos on which a critical rule fails (shown in red)"),
    ("fault recall", "labelled fault frames and photos on which that rule fails"),
    ("reps", "clips of dynamic specs counted exactly, and the mean |counted - labelled|"),
    ("side", "labelled-side frames and photos on which the app's working side is right (undecided = wrong)"),
)


@dataclass(frozen=True)
class Row:
    spec_id: str
    split: str
    items: int
    tally: Tally


def rows(scores: Sequence[ItemScore], splits: Sequence[str]) -> list[Row]:
    """One row per spec and split (ALL = every split), then a total row per split."""
    out = []
    spec_ids = sorted({s.spec_id for s in scores})
    for split in splits:
        chosen = [s for s in scores if split == ALL or s.item.split == split]
        for spec_id in spec_ids:
            mine = [s for s in chosen if s.spec_id == spec_id]
            if mine:
                out.append(Row(spec_id, split, len(mine), total(s.tally for s in mine)))
        if chosen:
            out.append(Row(TOTAL, split, len({s.item.file for s in chosen}), total(s.tally for s in chosen)))
    return out


def view_rows(scores: Sequence[ItemScore], splits: Sequence[str]) -> list[Row]:
    """One row per labelled camera view and split, over every spec (the spec column names the view)."""
    out = []
    for split in splits:
        chosen = [s for s in scores if split == ALL or s.item.split == split]
        for view in VIEWS:
            mine = [s for s in chosen if view in s.by_view]
            if mine:
                out.append(Row(view, split, len(mine), total(s.by_view[view] for s in mine)))
    return out


VIEWS = ("side-on", "three-quarter", "front", "above")
AS_RECORDED = "as recorded"


@dataclass(frozen=True)
class CameraRows:
    """The per-spec rows of one simulated camera change (`posecheck eval --camera`)."""

    camera: str
    rows: list[Row]


def camera_comparison(as_recorded: Sequence[Row], cameras: Sequence[CameraRows]) -> list[Row]:
    """Each split's all-specs row as recorded and under each camera (the spec column names it)."""
    out = []
    for name, table_rows in [(AS_RECORDED, list(as_recorded)), *((c.camera, c.rows) for c in cameras)]:
        out += [Row(name, r.split, r.items, r.tally) for r in table_rows if r.spec_id == TOTAL]
    return out


def pct(ratio: Ratio) -> str:
    value = ratio.value
    return "-" if value is None else f"{100 * value:.0f}% ({ratio.den})"


def reps_text(t: Tally) -> str:
    if not t.rep_items:
        return "-"
    mae = t.rep_mean_abs_error or 0.0
    return f"{t.rep_exact}/{t.rep_items} exact, err {mae:.1f}"


COLUMNS = (
    "spec",
    "items",
    "recall clips",
    "precision clips",
    "recall photos",
    "precision photos",
    "false in-pose",
    "false-critical",
    "fault recall",
    "reps",
    "side",
)


def row_cells(row: Row) -> list[str]:
    t = row.tally
    return [
        row.spec_id,
        str(row.items),
        pct(t.clip_recall),
        pct(t.clip_precision),
        pct(t.photo_recall),
        pct(t.photo_precision),
        pct(t.false_in_pose),
        pct(t.false_critical),
        pct(t.fault_recall),
        reps_text(t),
        pct(t.side),
    ]


def terminal_table(table_rows: Sequence[Row], splits: Sequence[str], first_column: str = "spec") -> str:
    """Plain-text tables, one per split, columns padded to fit."""
    blocks = []
    for split in splits:
        mine = [r for r in table_rows if r.split == split]
        if not mine:
            continue
        cells = [[first_column, *COLUMNS[1:]]] + [row_cells(r) for r in mine]
        widths = [max(len(line[k]) for line in cells) for k in range(len(COLUMNS))]
        lines = [f"split: {split}"]
        for n, line in enumerate(cells):
            lines.append(
                "  ".join(
                    c.ljust(w) if k == 0 else c.rjust(w)
                    for k, (c, w) in enumerate(zip(line, widths, strict=True))
                ).rstrip()
            )
            if n == 0 or (n == len(cells) - 2 and mine[-1].spec_id == TOTAL):
                lines.append("  ".join("-" * w for w in widths))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def to_json(
    scores: Sequence[ItemScore],
    table_rows: Sequence[Row],
    settings: dict[str, Any],
    views: Sequence[Row] = (),
    cameras: Sequence[CameraRows] = (),
) -> dict[str, Any]:
    return {
        "settings": settings,
        "cameras": [
            {
                "camera": c.camera,
                "rows": [
                    {"spec": r.spec_id, "split": r.split, "items": r.items, **_tally_json(r.tally)}
                    for r in c.rows
                ],
            }
            for c in cameras
        ],
        "views": [
            {"view": r.spec_id, "split": r.split, "runs": r.items, **_tally_json(r.tally)} for r in views
        ],
        "rows": [
            {"spec": r.spec_id, "split": r.split, "items": r.items, **_tally_json(r.tally)}
            for r in table_rows
        ],
        "items": [
            {
                "file": s.item.file,
                "split": s.item.split,
                "spec": s.spec_id,
                "labelled_spec": s.item.spec,
                "kind": "clip" if s.item.is_clip else "photo",
                "view": s.item.view,
                "frames": s.frames,
                "reps_labelled": s.reps_labelled,
                "reps_counted": s.reps_counted,
                **_tally_json(s.tally),
            }
            for s in scores
        ],
    }


def _tally_json(t: Tally) -> dict[str, Any]:
    return {
        "in_pose_recall_clips": t.clip_recall.to_json(),
        "in_pose_precision_clips": t.clip_precision.to_json(),
        "in_pose_recall_photos": t.photo_recall.to_json(),
        "in_pose_precision_photos": t.photo_precision.to_json(),
        "false_in_pose": t.false_in_pose.to_json(),
        "false_critical": t.false_critical.to_json(),
        "fault_recall": t.fault_recall.to_json(),
        "fault_recall_by_rule": {k: v.to_json() for k, v in sorted(t.fault_recall_by_rule.items())},
        "side_accuracy": t.side.to_json(),
        "side_undecided": t.side_undecided.to_json(),
        "reps": {
            "items": t.rep_items,
            "exact": t.rep_exact,
            "mean_abs_error": None if t.rep_mean_abs_error is None else round(t.rep_mean_abs_error, 3),
        },
    }


def markdown(
    scores: Sequence[ItemScore],
    table_rows: Sequence[Row],
    splits: Sequence[str],
    settings: dict[str, Any],
    views: Sequence[Row] = (),
    cameras: Sequence[CameraRows] = (),
) -> str:
    lines = ["# posecheck accuracy on the labelled footage", ""]
    lines += [f"- {key}: `{value}`" for key, value in settings.items()]
    lines += ["", "Each cell: the share, and in brackets how many frames or photos it is out of.", ""]
    for name, text in METRIC_NOTES:
        lines.append(f"- **{name}**: {text}")
    lines += _split_tables(table_rows, splits, "##")
    if views:
        lines += ["", "## By camera view (every spec; items = item-spec runs with frames in that view)", ""]
        lines.append("| view | split | " + " | ".join(COLUMNS[1:]) + " |")
        lines.append("|---|---|" + "|".join(["---:"] * (len(COLUMNS) - 1)) + "|")
        for r in views:
            cells = row_cells(r)
            lines.append(f"| {cells[0]} | {r.split} | " + " | ".join(cells[1:]) + " |")
    if cameras:
        lines += ["", "## Under simulated camera changes", ""]
        lines.append(
            "The same recorded landmarks as another camera would have seen them (mirror: the picture "
            "flipped, sides swapped in the labels; roll: the camera turned about its axis). A figure "
            "that drops here is a threshold close to what the footage reads."
        )
        lines += _split_tables(camera_comparison(table_rows, cameras), splits, "###", first_column="camera")
        for c in cameras:
            lines += ["", f"### {c.camera}: per spec"]
            lines += _split_tables(c.rows, splits, "####")
    lines += ["", "## Items", ""]
    item_columns = ["file", "split", "spec", "frames", "in-pose recall", "precision"]
    item_columns += ["false-critical", "fault recall", "reps", "side"]
    lines.append("| " + " | ".join(item_columns) + " |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in scores:
        t = s.tally
        recall = t.clip_recall if s.item.is_clip else t.photo_recall
        precision = t.clip_precision if s.item.is_clip else t.photo_precision
        reps = "-" if s.reps_labelled is None else f"{s.reps_counted} of {s.reps_labelled}"
        spec = s.spec_id if s.spec_id == s.item.spec else f"{s.spec_id} (confusable)"
        lines.append(
            f"| {s.item.file} | {s.item.split} | {spec} | {s.frames} | {pct(recall)} | {pct(precision)} | "
            f"{pct(t.false_critical)} | {pct(t.fault_recall)} | {reps} | {pct(t.side)} |"
        )
    return "\n".join(lines) + "\n"


def _split_tables(
    table_rows: Sequence[Row], splits: Sequence[str], heading: str, first_column: str = "spec"
) -> list[str]:
    """Markdown tables, one per split, under `heading`-level titles; total rows in bold."""
    lines: list[str] = []
    for split in splits:
        mine = [r for r in table_rows if r.split == split]
        if not mine:
            continue
        lines += ["", f"{heading} Split: {split}", ""]
        lines.append("| " + " | ".join([first_column, *COLUMNS[1:]]) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|")
        for r in mine:
            cells = row_cells(r)
            if r.spec_id == TOTAL:
                cells = [f"**{c}**" for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_reports(
    out_dir: Path,
    scores: Sequence[ItemScore],
    table_rows: Sequence[Row],
    splits: Sequence[str],
    settings: dict[str, Any],
    views: Sequence[Row] = (),
    cameras: Sequence[CameraRows] = (),
) -> dict[str, Path]:
    """eval.json and eval.md in `out_dir`."""
    paths = {"json": out_dir / "eval.json", "md": out_dir / "eval.md"}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths["json"].write_text(
            json.dumps(to_json(scores, table_rows, settings, views, cameras), indent=1) + "\n",
            encoding="utf-8",
        )
        paths["md"].write_text(
            markdown(scores, table_rows, splits, settings, views, cameras), encoding="utf-8"
        )
    except OSError as exc:
        raise OutputError(f"cannot write the evaluation report into {out_dir}: {exc}") from None
    return paths

"""`posecheck eval`: accuracy of the specs on hand-labelled footage, per spec and split.

posecheck eval                                   # tests/data/footage_labels.yaml, every split
posecheck eval --split validation --spec pigeon  # one spec on the held-out part
posecheck eval --out results/eval --cache /tmp/poses
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from posecheck.commands.common import ExitCode
from posecheck.errors import SpecError

DEFAULT_LABELS = Path("tests/data/footage_labels.yaml")


def register(commands: Any) -> None:
    from posecheck.commands.common import model_options
    from posecheck.evaluate import DEFAULT_MAX_FPS

    parser = commands.add_parser(
        "eval",
        help="measure the specs against hand-labelled footage (in-pose, faults, reps, sides)",
        description="Run every clip and photo of a labels file through the pose model (once; the "
        "landmarks are cached) and the engine, and compare the verdicts with the labels: in-pose "
        "recall and precision, false-critical rate on good form, fault recall, rep-count error and "
        "side accuracy, per spec and per split. Writes OUT/eval.json and OUT/eval.md.",
    )
    parser.add_argument(
        "--labels",
        default=str(DEFAULT_LABELS),
        metavar="FILE",
        help="labels file (default: %(default)s)",
    )
    parser.add_argument(
        "--footage", metavar="DIR", help="footage folder (default: the labels file's 'footage')"
    )
    parser.add_argument(
        "--split",
        choices=("tune", "validation", "all"),
        default="all",
        help="which items to score; 'all' reports tune, validation and both (default: %(default)s)",
    )
    parser.add_argument("--spec", metavar="ID", help="only this spec (its own items and its confusable ones)")
    parser.add_argument("--out", "-o", default="results/eval", help="output folder (default: %(default)s)")
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="folder of cached pose recordings (default: the user cache, $POSECHECK_CACHE_DIR/eval-poses)",
    )
    parser.add_argument(
        "--max-fps",
        type=float,
        default=DEFAULT_MAX_FPS,
        help="frames per second of video the model sees at most, as a live session would "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--camera",
        action="append",
        type=_camera_change,
        default=[],
        metavar="CHANGE",
        help="also score the same landmarks as another camera would have seen them, to find "
        "thresholds that only just hold: 'mirror' (picture flipped, sides swapped) or 'roll:DEG' "
        "(camera turned DEG degrees about its axis); repeat for several, e.g. --camera mirror "
        "--camera roll:10 --camera roll:-10",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    model_options(parser)
    parser.set_defaults(run=run_eval)


def _camera_change(text: str) -> Any:
    from posecheck.evaluate.camera import parse_camera_change

    try:
        return parse_camera_change(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_eval(args: argparse.Namespace) -> int:
    from posecheck.commands.common import resolve_model_arg
    from posecheck.evaluate.harness import Selection, evaluate
    from posecheck.evaluate.labels import load_labels
    from posecheck.evaluate.poses import PoseCache, default_cache_dir
    from posecheck.evaluate.report import (
        ALL,
        CameraRows,
        camera_comparison,
        rows,
        terminal_table,
        view_rows,
        write_reports,
    )
    from posecheck.spec import find_spec, list_specs, load_spec

    if not args.max_fps > 0:
        raise SpecError(f"--max-fps must be a positive number of frames per second, got {args.max_fps}")
    specs = {spec.id: spec for spec in (load_spec(p) for p in list_specs())}
    if args.spec is not None:
        spec = load_spec(find_spec(args.spec))
        specs[spec.id] = spec
    labels = load_labels(Path(args.labels), specs, Path(args.footage) if args.footage else None)
    selection = Selection(args.split, args.spec)
    if not selection.items(labels.items):
        raise SpecError(f"{args.labels}: no labelled item for spec '{args.spec}' in split '{args.split}'")
    model_path = resolve_model_arg(args)
    cache = PoseCache(Path(args.cache) if args.cache else default_cache_dir(), model_path, args.max_fps)

    started = time.perf_counter()
    bar: Any = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(selection.items(labels.items)), unit="item", file=sys.stderr, leave=False)

    def on_item(item: Any, i: int, n: int) -> None:
        if bar is not None:
            bar.set_description(Path(item.file).name[:28])
            if i:
                bar.update(1)

    try:
        scores = evaluate(labels, specs, cache, selection, on_item=on_item)
    finally:
        if bar is not None:
            bar.close()
    splits = ["tune", "validation", ALL] if args.split == ALL else [args.split]
    table = rows(scores, splits)
    # The recordings are on disk now: each camera change re-scores them without the model.
    cameras = [
        CameraRows(change.name, rows(evaluate(labels, specs, cache, selection, camera=change), splits))
        for change in args.camera
    ]
    settings = {
        "labels": str(args.labels),
        "footage": str(labels.footage_dir),
        "model": model_path.name,
        "max_fps": args.max_fps,
        "split": args.split,
        "spec": args.spec or "every spec",
        "cameras": [change.name for change in args.camera],
    }
    paths = write_reports(Path(args.out), scores, table, splits, settings, view_rows(scores, splits), cameras)
    if not args.quiet:
        print(terminal_table(table, splits))
        if cameras:
            print("\nAll specs under simulated camera changes:")
            print(terminal_table(camera_comparison(table, cameras), splits, first_column="camera"))
        elapsed_s = time.perf_counter() - started
        print(
            f"\n{len({s.item.file for s in scores})} items, {len(scores)} item-spec runs; pose model run on "
            f"{cache.made} files, {cache.reused} from the cache ({cache.cache_dir}); {elapsed_s:.0f} s"
        )
        print(f"wrote {paths['json']} and {paths['md']}")
    return ExitCode.OK

"""`posecheck specs [list | show ID | check [FILE...] | schema [-o FILE]]`: the stretch spec files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecheck.commands.common import ExitCode
from posecheck.errors import PosecheckError


def register(commands: Any) -> None:
    specs = commands.add_parser(
        "specs",
        help="list, show or check stretch spec files",
        description="Stretch specs live in stretch_specs/ (or $POSECHECK_SPECS_DIR).",
    )
    actions = specs.add_subparsers(title="actions", metavar="ACTION")
    specs.set_defaults(run=run_list)
    check = actions.add_parser("check", help="validate spec files (default: all of them)")
    check.add_argument("files", nargs="*", help="spec files or ids (default: every spec)")
    check.set_defaults(run=run_check)
    show = actions.add_parser("show", help="print a spec's rules and cues in plain words")
    show.add_argument("stretch", help="spec id or file")
    show.add_argument(
        "--figure",
        nargs="?",
        const="",
        metavar="PNG",
        help="also write what good form looks like as a PNG (default name: ID.reference.png)",
    )
    show.set_defaults(run=run_show)
    listing = actions.add_parser("list", help="list the available specs (the default)")
    listing.set_defaults(run=run_list)
    schema = actions.add_parser(
        "schema",
        help="print (or write) the JSON Schema of spec files, for editors",
        description="The JSON Schema of spec files, generated from the models the loader uses. Point "
        "an editor at it with '# yaml-language-server: $schema=./stretch-spec.schema.json' on a "
        "spec's first line.",
    )
    schema.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead of printing it")
    schema.set_defaults(run=run_schema)


def run_list(args: argparse.Namespace) -> int:
    from posecheck.spec import list_specs, load_spec, specs_dir

    paths = list_specs()
    if not paths:
        print(f"no spec files in {specs_dir()}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"{'ID':28} {'VIEW':6} {'MODE':5} {'HOLD / REPS':18} NAME")
    status = ExitCode.OK
    for path in paths:
        try:
            spec = load_spec(path)
        except PosecheckError as exc:
            print(f"{path.stem:28} invalid: {exc}")
            status = ExitCode.INVALID_SPEC
            continue
        sides = "per side" if spec.sides == ("left", "right") else spec.sides[0]
        if spec.mode == "reps" and spec.reps is not None:
            plan = f"{spec.reps.target:>3d} reps {sides}"
        else:
            plan = f"{spec.hold.target_s:>3g} s {sides}"
        print(f"{spec.id:28} {spec.view:6} {spec.mode:5} {plan:18} {spec.name}")
    return status


def run_check(args: argparse.Namespace) -> int:
    from posecheck.spec import find_spec, list_specs, load_spec

    paths = [find_spec(f) for f in args.files] if args.files else list_specs()
    failures = 0
    for path in paths:
        try:
            load_spec(path)
        except PosecheckError as exc:
            failures += 1
            print(str(exc))
        else:
            print(f"{path}: ok")
    if failures:
        print(f"{failures} of {len(paths)} spec file(s) invalid", file=sys.stderr)
        return ExitCode.INVALID_SPEC
    return ExitCode.OK


def run_show(args: argparse.Namespace) -> int:
    from posecheck.spec import find_spec, load_spec
    from posecheck.spec.describe import describe_spec

    spec = load_spec(find_spec(args.stretch))
    print(describe_spec(spec))
    if args.figure is None:
        return ExitCode.OK
    from posecheck.reference.figure import figure_for, write_figure

    figure = figure_for(spec)
    if figure is None:
        print(
            f"posecheck: no reference figure for '{spec.id}': only the catalog's specs have one "
            "(and only while their reference pose passes them)",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    target = Path(args.figure or f"{spec.id}.reference.png")
    write_figure(target, figure)
    print(f"wrote: {target}")
    print(f"figure: {target.resolve().as_uri()}")
    return ExitCode.OK


def run_schema(args: argparse.Namespace) -> int:
    from posecheck.spec.schema import schema_text, write_schema

    if args.output:
        write_schema(Path(args.output))
        print(f"wrote {args.output}")
    else:
        print(schema_text(), end="")
    return ExitCode.OK

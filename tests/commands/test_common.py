"""What every command shares: one exit-code table, one end-of-run triage, no import cycle."""

from __future__ import annotations

import ast
import gc
import os
import subprocess
import sys

import pytest
from support.paths import REPO_DIR

from posecheck.cli import build_parser, main
from posecheck.commands import COMMANDS
from posecheck.commands.common import ExitCode, end_of_run, long_lived_objects_frozen
from posecheck.errors import HistoryError, ModelError, OutputError, PosecheckError, SourceError, SpecError


def test_every_error_exits_with_its_code_from_the_one_table() -> None:
    assert {
        PosecheckError: ExitCode.FAILED,
        SpecError: ExitCode.INVALID_SPEC,
        SourceError: ExitCode.BAD_INPUT,
        ModelError: ExitCode.NO_MODEL,
        OutputError: ExitCode.CANNOT_WRITE,
        HistoryError: ExitCode.HISTORY_UNUSABLE,
    } == {
        error: ExitCode(error.exit_code)
        for error in (PosecheckError, SpecError, SourceError, ModelError, OutputError, HistoryError)
    }
    assert len({int(code) for code in ExitCode}) == len(ExitCode)  # no two meanings share a code
    assert (ExitCode.OK, ExitCode.USAGE, ExitCode.NO_PERSON, ExitCode.INTERRUPTED) == (0, 2, 7, 130)
    assert ExitCode.TERMINATED == 143


@pytest.mark.parametrize(
    ("ending", "code", "message"),
    [
        ({}, ExitCode.OK, ""),
        (
            {"person_found": False, "source": "clip.mp4"},
            ExitCode.NO_PERSON,
            "posecheck: no person found in clip.mp4",
        ),
        ({"person_found": False}, ExitCode.NO_PERSON, "posecheck: no person found"),
        (
            {
                "damage": "clip.mp4 is truncated",
                "kept_damaged": "the CSV covers what was read",
                "person_found": False,
            },
            ExitCode.BAD_INPUT,
            "posecheck: error: clip.mp4 is truncated; the CSV covers what was read",
        ),
        (
            {
                "interrupted": True,
                "damage": "clip.mp4 is truncated",
                "kept_partial": "partial results in out/",
            },
            ExitCode.INTERRUPTED,
            "posecheck: interrupted: partial results in out/",
        ),
    ],
)
def test_end_of_run_says_the_most_important_thing_once(
    ending: dict[str, object], code: ExitCode, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert end_of_run(**ending) is code  # type: ignore[arg-type]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == message


def test_no_import_cycle_and_nothing_imports_the_entry_point() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO_DIR / "tools" / "import_cycles.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout
    importers = []
    for path in (REPO_DIR / "posecheck").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if "posecheck.cli" in names:
                importers.append(path.name)
    assert importers == ["__main__.py"]


def test_a_closed_output_pipe_stops_quietly() -> None:
    """`posecheck specs | head -1`: the reader is gone before the list is written."""
    read_fd, write_fd = os.pipe()
    os.close(read_fd)  # every write now fails with EPIPE (Python ignores SIGPIPE)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "posecheck", "specs"],
            stdout=write_fd,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_DIR,
            timeout=120,
        )
    finally:
        os.close(write_fd)
    assert result.returncode == ExitCode.BROKEN_PIPE == 141
    assert result.stderr == ""


def test_a_command_imports_only_its_own_module() -> None:
    """`posecheck analyze` does not pay for importing live (and its voice), tune or eval."""
    code = (
        "import sys; from posecheck.cli import build_parser; "
        "build_parser(['analyze', 'clip.mp4', '--stretch', 'x']); "
        "print(sorted(m for m in sys.modules if m.startswith(('posecheck.commands.', 'posecheck.voice'))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_DIR
    )
    loaded = set(ast.literal_eval(run.stdout))
    assert "posecheck.commands.analyze" in loaded
    assert not loaded & {
        "posecheck.commands.live",
        "posecheck.commands.tune",
        "posecheck.commands.eval",
        "posecheck.voice",
    }


def test_every_command_is_listed_and_has_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    listing = build_parser([]).format_help()
    assert all(name in listing for name in COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: posecheck {name} ")


def test_long_lived_objects_are_frozen_only_during_the_run() -> None:
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0

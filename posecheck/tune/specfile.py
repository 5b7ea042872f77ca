"""Write new rule ranges into a spec file in place, every other byte as it was.

ruamel.yaml's round-trip parser finds each `min:`/`max:` value's exact place (its node
marks, in block or flow style alike); only those number tokens are replaced, and a
comment says where the new number came from. Dumping the whole document instead would
re-flow long lines and re-space comments, so a reviewer's diff would show more than the
numbers. The result is checked before it replaces the file: it must parse to the same
document with only those numbers changed, and pass `load_spec`.

Comments: a line without one gets `# tuned ... (was 0.15)` at its end; a line whose
comment is from an earlier tune gets it replaced; a line with its own comment (why the
old number was chosen) keeps it, and the tune note goes on its own line just above.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from posecheck.errors import OutputError, SpecError
from posecheck.spec.loader import load_spec
from posecheck.tune.suggest import format_value

TUNED_MARK = "tuned "  # a comment starting like this was written by tune, and is ours to update


@dataclass(frozen=True)
class RangeEdit:
    """New bounds for one rule (None: leave that bound alone) and the note saying where they came from."""

    rule_id: str
    unit: str  # how to write the numbers: "deg" whole, "ratio" to 0.01
    min: float | None
    max: float | None
    note: str  # e.g. "tuned 2026-11-23 from clip.pose.jsonl: p2..p98 = 81..104 deg, margin 7"


@dataclass(frozen=True)
class _Token:
    line: int  # 0-based
    start_col: int
    end_col: int
    bound: str  # "min" | "max"
    old_text: str
    new_text: str
    note: str


def edit_rule_ranges(text: str, edits: Sequence[RangeEdit], where: str = "spec") -> str:
    """`text` with the rules' min/max replaced and tune notes added; `where` names it in errors."""
    try:
        root = YAML(typ="rt").compose(text)
    except YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None
    items = _rule_nodes(root, where)
    lines = _lines(text)
    tokens: list[_Token] = []
    for edit in edits:
        node = items.get(edit.rule_id)
        if node is None:
            raise SpecError(
                f"{where}: no rule with id '{edit.rule_id}'; the spec's rules are {sorted(items)}"
            )
        for bound, value in (("min", edit.min), ("max", edit.max)):
            if value is None:
                continue
            key, scalar = _entry(node, bound)
            if scalar is None or key is None:
                line = node.start_mark.line + 1
                raise SpecError(
                    f"{where}:{line}: rule '{edit.rule_id}' has no '{bound}' to tune; "
                    f"add one by hand to limit that side"
                )
            if scalar.end_mark.line != scalar.start_mark.line:
                raise SpecError(f"{where}:{scalar.start_mark.line + 1}: {bound} must be a number on one line")
            new_text = format_value(value, edit.unit)
            if scalar.style in ("'", '"'):
                new_text = f"{scalar.style}{new_text}{scalar.style}"
            old_text = lines[scalar.start_mark.line][scalar.start_mark.column : scalar.end_mark.column]
            tokens.append(
                _Token(
                    line=scalar.start_mark.line,
                    start_col=scalar.start_mark.column,
                    end_col=scalar.end_mark.column,
                    bound=bound,
                    old_text=old_text,
                    new_text=new_text,
                    note=edit.note,
                )
            )
    return _apply(text, tokens)


def _rule_nodes(root: Node | None, where: str) -> dict[str, MappingNode]:
    """Rule id -> the rule's mapping node."""
    if not isinstance(root, MappingNode):
        raise SpecError(f"{where}:1: a spec file must be a mapping of keys (id, name, view, ...)")
    rules = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "rules"), None)
    if not isinstance(rules, SequenceNode):
        raise SpecError(f"{where}: the spec has no list of 'rules' to tune")
    found: dict[str, MappingNode] = {}
    for item in rules.value:
        if isinstance(item, MappingNode):
            _, rule_id = _entry(item, "id")
            if rule_id is not None:
                found[str(rule_id.value)] = item
    return found


def _entry(node: MappingNode, name: str) -> tuple[ScalarNode | None, ScalarNode | None]:
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == name:
            return key, value if isinstance(value, ScalarNode) else None
    return None, None


def _comment_start(line: str, start: int) -> int | None:
    """Index of the '#' that starts the line's comment at or after `start`, outside quotes."""
    quote: str | None = None
    i = start
    while i < len(line):
        char = line[i]
        if quote is not None:
            if char == quote:
                # '' inside a single-quoted scalar is an escaped quote, not the end.
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 1
                else:
                    quote = None
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "'\"" and (i == 0 or line[i - 1] in " \t,[{:"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return None


def _lines(text: str) -> list[str]:
    """Lines with their endings, split where YAML (and ruamel's marks) split them: at '\\n' only."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _apply(text: str, tokens: Sequence[_Token]) -> str:
    lines = _lines(text)
    inserts: dict[int, str] = {}  # line index -> a comment line to put before it (or in place of one)
    for line_no in sorted({t.line for t in tokens}, reverse=True):
        mine = sorted((t for t in tokens if t.line == line_no), key=lambda t: t.start_col)
        body, ending = _split_ending(lines[line_no])
        last_end = mine[-1].end_col
        comment_at = _comment_start(body, last_end)
        for token in reversed(mine):
            body = body[: token.start_col] + token.new_text + body[token.end_col :]
        shift = sum(len(t.new_text) - len(t.old_text) for t in mine)
        comment_at = None if comment_at is None else comment_at + shift
        was = "..".join(t.old_text for t in mine)
        note = f"# {mine[0].note} (was {was})"
        existing = body[comment_at + 1 :].strip() if comment_at is not None else ""
        if comment_at is None:
            body = body.rstrip() + "  " + note
        elif existing.startswith(TUNED_MARK):
            body = body[:comment_at] + note
        else:
            # The line explains its old number: keep that, and say what changed just above it.
            indent = body[: len(body) - len(body.lstrip())]
            above = line_no - 1
            if above >= 0 and lines[above].strip().startswith(f"# {TUNED_MARK}"):
                _, above_ending = _split_ending(lines[above])
                lines[above] = indent + note + (above_ending or ending or "\n")
            else:
                inserts[line_no] = indent + note + (ending or "\n")
        lines[line_no] = body + ending
    for line_no in sorted(inserts, reverse=True):
        lines.insert(line_no, inserts[line_no])
    return "".join(lines)


def write_rule_ranges(path: Path, edits: Sequence[RangeEdit]) -> str:
    """Edit the spec file in place (atomically) after checking the result; returns the new text."""
    try:
        old_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read spec file {path}: {exc}") from None
    new_text = edit_rule_ranges(old_text, edits, str(path))
    _check_only_ranges_changed(old_text, new_text, edits, path)
    with tempfile.TemporaryDirectory(prefix="posecheck-tune-") as folder:
        # load_spec wants the file name to match the id: check a copy of the same name.
        trial = Path(folder) / path.name
        trial.write_text(new_text, encoding="utf-8")
        try:
            load_spec(trial)
        except SpecError as exc:
            message = str(exc).replace(str(trial), str(path))
            raise SpecError(f"the tuned ranges would make an invalid spec, not written: {message}") from None
    temporary = path.with_name(f".{path.name}.tune.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            handle.write(new_text)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; check the file is writable") from None
    return new_text


def _check_only_ranges_changed(old_text: str, new_text: str, edits: Sequence[RangeEdit], path: Path) -> None:
    """The edited document must equal the old one with exactly the new bounds: a guard on `_apply`."""
    safe = YAML(typ="safe", pure=True)
    old: Any = safe.load(old_text)
    new: Any = safe.load(new_text)
    for edit in edits:
        rule = next(r for r in old["rules"] if r.get("id") == edit.rule_id)
        for bound, value in (("min", edit.min), ("max", edit.max)):
            if value is not None:
                rule[bound] = _as_loaded(safe, format_value(value, edit.unit), rule[bound])
    if old != new:
        raise RuntimeError(f"editing {path} changed more than the rule ranges; nothing was written")


def _as_loaded(safe: YAML, text: str, old_value: Any) -> Any:
    """What YAML makes of the new number, quoted like the old one was (a string stays a string)."""
    return text if isinstance(old_value, str) else safe.load(text)

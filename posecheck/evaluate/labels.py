"""The hand-labels file of the accuracy harness: what a person saw in each clip and photo.

A labels file names a footage folder and, per item (a clip or a photo), the spec it shows
(or none), its split (tune / validation), the camera view and what is true when: in pose or
not, good form or which faults, the working side, and for dynamic specs the reps counted by
eye. `load_labels` validates it and reports problems as 'file:line: key.path: what to fix',
like the spec loader.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from posecheck.errors import PosecheckError
from posecheck.spec.loader import format_loc, line_of
from posecheck.spec.model import StretchSpec

Split = Literal["tune", "validation"]
PoseState = Literal["in", "out", "unsure"]
View = Literal["side-on", "three-quarter", "front", "above"]
Side = Literal["left", "right"]

SPLITS: tuple[str, ...] = ("tune", "validation")
CLIP_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".gif")


class LabelsError(PosecheckError):
    """The labels file is missing, malformed or names specs and rules that do not exist."""

    exit_code = 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Segment(_Strict):
    """A time range [from_s, to_s) of a clip and what is true during it."""

    from_s: float = Field(ge=0)
    to_s: float
    pose: PoseState
    form: Literal["good"] | list[str] | None = None
    side: Side | None = None
    view: View | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Segment:
        if not self.to_s > self.from_s:
            raise ValueError(f"to_s ({self.to_s}) must be after from_s ({self.from_s})")
        if self.pose == "in" and self.form is None:
            raise ValueError("a segment in pose needs form: good, or form: [rule ids]")
        if self.pose != "in" and (self.form is not None or self.side is not None):
            raise ValueError(f"form and side belong to segments in pose, not pose: {self.pose}")
        return self


class Item(_Strict):
    """One clip or photo of the footage folder."""

    file: str
    split: Split
    spec: str | None
    confusable: list[str] = Field(default_factory=list)
    view: View
    note: str | None = None
    # Photos: the state of the one picture.
    pose: PoseState | None = None
    form: Literal["good"] | list[str] | None = None
    side: Side | None = None
    # Clips: time ranges (time not covered is out of pose) and reps counted by eye.
    segments: list[Segment] | None = None
    reps: int | None = Field(default=None, ge=0)

    @field_validator("file")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in Path(value).parts:
            raise ValueError("give the path below the footage folder, without '..' or a leading '/'")
        return value

    @property
    def is_clip(self) -> bool:
        return Path(self.file).suffix.lower() in CLIP_SUFFIXES

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.spec is None and not self.confusable:
            raise ValueError("spec: null needs confusable: [spec ids] that must say 'not in pose' on it")
        if self.spec is not None and self.spec in self.confusable:
            raise ValueError(f"confusable lists the item's own spec '{self.spec}'")
        if self.is_clip:
            if self.pose is not None or self.form is not None or self.side is not None:
                raise ValueError("a clip takes segments (with pose, form, side), not pose/form/side")
            segments = self.segments or []
            for before, after in itertools.pairwise(segments):
                if after.from_s < before.to_s:
                    raise ValueError(
                        f"segments overlap or are out of order: {before.from_s}-{before.to_s} s "
                        f"then {after.from_s}-{after.to_s} s"
                    )
            if self.spec is None and any(s.pose == "in" for s in segments):
                raise ValueError("spec: null has no pose to be in: use pose: out or unsure")
        else:
            if self.segments is not None or self.reps is not None:
                raise ValueError("a photo takes pose, form and side, not segments or reps")
            if self.spec is not None and self.pose is None:
                raise ValueError("a photo with a spec needs pose: in, out or unsure")
            if self.spec is None and self.pose == "in":
                raise ValueError("spec: null has no pose to be in: leave pose out")
            if self.pose == "in" and self.form is None:
                raise ValueError("a photo in pose needs form: good, or form: [rule ids]")
            if self.pose != "in" and (self.form is not None or self.side is not None):
                raise ValueError("form and side belong to photos in pose")
        return self

    def specs(self) -> tuple[str, ...]:
        """Every spec this item is scored against: its own, then the confusable ones."""
        return ((self.spec,) if self.spec else ()) + tuple(self.confusable)


class LabelsFile(_Strict):
    footage: str
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> LabelsFile:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.file in seen:
                raise ValueError(f"items[{i}].file: {item.file} is labelled twice: keep one entry")
            seen.add(item.file)
        return self


@dataclass(frozen=True)
class FrameLabel:
    """What the labels say about one moment of an item for one spec."""

    pose: PoseState
    faults: tuple[str, ...] = ()  # rule ids; empty = good form (when in pose)
    side: str | None = None
    view: str | None = None


@dataclass(frozen=True)
class Labels:
    """A loaded labels file: the footage folder (resolved) and its items."""

    path: Path
    footage_dir: Path
    items: tuple[Item, ...]


def load_labels(
    path: Path | str, specs: Mapping[str, StretchSpec] | None = None, footage_dir: Path | None = None
) -> Labels:
    """Read and validate a labels file. With `specs` (id -> spec) every spec id and rule id the
    file names must exist. `footage_dir` overrides the file's `footage` (which is relative to
    the labels file's folder)."""
    path = Path(path)
    data = _read_yaml(path)
    try:
        parsed = LabelsFile.model_validate(data)
    except ValidationError as exc:
        raise LabelsError(_describe(path, data, exc)) from None
    for i, item in enumerate(parsed.items):
        if specs is not None:
            _check_names(path, data, i, item, specs)
    root = footage_dir if footage_dir is not None else (path.parent / parsed.footage)
    return Labels(path, Path(root), tuple(parsed.items))


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabelsError(f"labels file {path} not found: check the path (--labels FILE)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"cannot read labels file {path}: {exc}") from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else "?"
        problem = " ".join((exc.problem or "invalid YAML").split())
        raise LabelsError(
            f"{path}:{line}: not valid YAML: {problem}; check indentation and quoting"
        ) from None
    except YAMLError as exc:
        raise LabelsError(f"{path}:1: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise LabelsError(f"{path}:1: a labels file must be a mapping with footage and items")
    return data


def _describe(path: Path, data: Any, exc: ValidationError) -> str:
    """The first problem as 'file:line: key.path: message', and how many more there are.

    A misspelt key also makes the right key "missing", so unknown keys come first; then
    document order.
    """
    problems = sorted(_describe_one(data, error) for error in exc.errors())
    _, line, text = problems[0]
    more = len(problems) - 1
    suffix = f" (+{more} more problem{'s' if more > 1 else ''} after fixing this)" if more else ""
    return f"{path}:{line}: {text}{suffix}"


def _describe_one(data: Any, error: Any) -> tuple[int, int, str]:
    loc = tuple(error["loc"])
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
    kind = error["type"]
    # A union's members report under their type names; the key path stops before them.
    loc = tuple(part for part in loc if isinstance(part, int) or not _is_type_tag(str(part)))
    if kind == "extra_forbidden":
        message = _unknown_key_message(str(loc[-1]), _allowed_keys(loc[:-1]))
    elif kind == "missing":
        message = f"missing required key '{loc[-1]}': add it"
    elif kind == "literal_error":
        message = f"got {error.get('input')!r}; {message.lower()}"
    if message.startswith("items[") and ".file:" in message:
        head = message.split(":", 1)[0]
        loc = ("items", int(head[6 : head.index("]")]), "file")
        message = message.split(": ", 1)[1]
    rank = 0 if kind == "extra_forbidden" else 1
    return rank, line_of(data, loc), f"{format_loc(loc) or '(top level)'}: {message}"


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the mapping at `loc`: the file, an item or a segment."""
    names = [p for p in loc if isinstance(p, str)]
    model: type[BaseModel] = LabelsFile
    if names == ["items"]:
        model = Item
    elif names == ["items", "segments"]:
        model = Segment
    return sorted(model.model_fields)


def _unknown_key_message(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key '{key}': did you mean '{close[0]}'?"
    return f"unknown key '{key}': allowed here: {', '.join(allowed)}"


def _is_type_tag(part: str) -> bool:
    return part in ("str", "list[str]", "literal['good']", "int", "float") or part.startswith(
        ("literal[", "list[")
    )


def _check_names(path: Path, data: Any, i: int, item: Item, specs: Mapping[str, StretchSpec]) -> None:
    """Spec ids and rule ids must exist in the catalog the harness scores against."""

    def fail(loc: tuple[int | str, ...], message: str) -> LabelsError:
        full = ("items", i, *loc)
        return LabelsError(f"{path}:{line_of(data, full)}: {format_loc(full)}: {message}")

    for key, spec_id in [("spec", item.spec)] + [("confusable", s) for s in item.confusable]:
        if spec_id is not None and spec_id not in specs:
            raise fail((key,), f"no stretch spec called '{spec_id}': run 'posecheck specs' to list them")
    if item.spec is None:
        return
    rule_ids = {r.id for r in specs[item.spec].rules}
    forms: list[tuple[tuple[int | str, ...], Any]] = [(("form",), item.form)]
    forms += [(("segments", k, "form"), s.form) for k, s in enumerate(item.segments or [])]
    for loc, form in forms:
        if isinstance(form, list):
            for rule_id in form:
                if rule_id not in rule_ids:
                    known = ", ".join(sorted(rule_ids))
                    raise fail(loc, f"'{rule_id}' is not a rule of {item.spec} (its rules: {known})")


def frame_labels(item: Item, spec_id: str, times_s: list[float]) -> list[FrameLabel]:
    """The label of each moment in `times_s` for scoring `item` against `spec_id`.

    For the item's own spec that is its segment (or photo) label; for a confusable spec
    every moment is out of pose, except those labelled unsure (cuts, fades).
    """
    own = spec_id == item.spec
    if not item.is_clip:
        state: PoseState = item.pose or "out"
        if not own:
            return [FrameLabel("unsure" if state == "unsure" else "out", view=item.view)] * len(times_s)
        return [FrameLabel(state, _faults(item.form), item.side, item.view)] * len(times_s)
    segments = item.segments or []
    starts = [s.from_s for s in segments]
    labels = []
    for t in times_s:
        k = bisect.bisect_right(starts, t) - 1
        segment = segments[k] if k >= 0 and t < segments[k].to_s else None
        if segment is None or not math.isfinite(t):
            labels.append(FrameLabel("out", view=item.view))
        elif not own:
            labels.append(FrameLabel("unsure" if segment.pose == "unsure" else "out", view=item.view))
        else:
            labels.append(
                FrameLabel(segment.pose, _faults(segment.form), segment.side, segment.view or item.view)
            )
    return labels


def _faults(form: str | list[str] | None) -> tuple[str, ...]:
    return tuple(form) if isinstance(form, list) else ()

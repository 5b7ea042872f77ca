"""Routines: a YAML file listing stretches with sides and holds, and the state machine that
walks through it (countdown -> stretch side -> switch sides -> ... -> done).

The runner is pure: it is driven by frame timestamps and by which sides' holds are done,
so tests script it without a camera.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from posecheck.errors import SpecError
from posecheck.spec import StretchSpec, find_spec, load_spec
from posecheck.spec.loader import format_loc, line_of, read_yaml

Side = Literal["left", "right", "both"]
SIDE_ORDER: tuple[str, ...] = ("left", "right", "both")

DEFAULT_COUNTDOWN_S = 5.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoutineItem(_Strict):
    """One stretch of a routine."""

    stretch: str = Field(description="spec id, or a spec file path relative to the routine file")
    sides: tuple[Side, ...] | None = Field(
        None, min_length=1, description="sides to hold, in any order (default: the spec's sides)"
    )
    hold_s: float | None = Field(None, gt=0, le=600, description="hold per side (default: the spec's)")


class Routine(_Strict):
    """A routine file: stretches taken one after another."""

    name: str
    countdown_s: float = Field(DEFAULT_COUNTDOWN_S, ge=0, le=60, description="get-ready time before each")
    switch_s: float | None = Field(
        None, ge=0, le=60, description="time to switch sides (default: countdown_s)"
    )
    items: tuple[RoutineItem, ...] = Field(min_length=1)


@dataclass(frozen=True)
class PlannedItem:
    """A routine item resolved against its spec: what the live session runs."""

    stretch_id: str
    name: str
    spec_path: Path
    sides: tuple[str, ...]
    hold_s: float | None  # None: the spec's own target (it follows edits of the spec)
    safety: str = ""


@dataclass(frozen=True)
class Plan:
    """A routine (or a single stretch) ready to run."""

    name: str
    items: tuple[PlannedItem, ...]
    countdown_s: float
    switch_s: float
    path: Path | None = None  # the routine file, None for a single --stretch


def plan_for_spec(spec: StretchSpec, path: Path, countdown_s: float = DEFAULT_COUNTDOWN_S) -> Plan:
    """A single stretch is a routine of one item with both sides (or its fixed side)."""
    item = PlannedItem(spec.id, spec.name, path, spec.sides, None, spec.safety)
    return Plan(spec.name, (item,), countdown_s, countdown_s)


def load_routine(path: Path | str) -> Plan:
    """Parse and validate a routine file and every spec it names; errors name file, line and fix."""
    path = Path(path)
    data = _read_yaml_mapping(path)
    try:
        routine = Routine.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        message = " ".join(str(error["msg"]).split())
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}': allowed here: {_allowed_here(loc)}"
        elif error["type"] == "missing":
            message = f"missing required key '{loc[-1]}': add it"
        more = len(exc.errors()) - 1
        suffix = f" (+{more} more problem{'s' if more > 1 else ''} after fixing this)" if more else ""
        raise SpecError(
            f"{path}:{line_of(data, loc)}: {format_loc(loc) or '(top level)'}: {message}{suffix}"
        ) from None
    items = []
    for i, item in enumerate(routine.items):
        items.append(_plan_item(path, data, i, item))
    switch_s = routine.countdown_s if routine.switch_s is None else routine.switch_s
    return Plan(routine.name, tuple(items), routine.countdown_s, switch_s, path)


def _allowed_here(loc: tuple[int | str, ...]) -> str:
    model: type[BaseModel] = RoutineItem if "items" in loc else Routine
    return ", ".join(model.model_fields)


def _plan_item(path: Path, data: Any, i: int, item: RoutineItem) -> PlannedItem:
    where = ("items", i, "stretch")
    relative = path.parent / item.stretch
    try:
        spec_path = relative if relative.suffix in (".yaml", ".yml") else find_spec(item.stretch)
        if not spec_path.is_file():
            spec_path = find_spec(item.stretch)
    except SpecError as exc:
        raise SpecError(f"{path}:{line_of(data, where)}: {format_loc(where)}: {exc}") from None
    spec = load_spec(spec_path)
    if item.hold_s is not None and spec.mode != "hold":
        where = ("items", i, "hold_s")
        raise SpecError(
            f"{path}:{line_of(data, where)}: {format_loc(where)}: {spec.id} counts reps and has "
            "no hold: remove hold_s"
        )
    sides = tuple(dict.fromkeys(item.sides)) if item.sides else spec.sides
    wrong = [side for side in sides if side not in spec.sides]
    if wrong:
        where = ("items", i, "sides")
        allowed = " and/or ".join(spec.sides)
        raise SpecError(
            f"{path}:{line_of(data, where)}: {format_loc(where)}: {spec.id} has no side "
            f"'{wrong[0]}': use {allowed}"
        )
    return PlannedItem(spec.id, spec.name, spec_path, sides, item.hold_s, spec.safety)


def _read_yaml_mapping(path: Path) -> Any:
    """The YAML document of a routine file, read as spec files are (same errors, file:line)."""
    data = read_yaml(path, "routine file")
    if not isinstance(data, dict):
        raise SpecError(f"{path}:1: a routine file must be a mapping with name, countdown_s and items")
    return data


# --------------------------------------------------------------------------- runner


class Stage(str, enum.Enum):
    COUNTDOWN = "countdown"  # get ready for the next stretch
    ACTIVE = "active"  # the stretch is judged and its hold timed
    SWITCH = "switch"  # one side done: switch sides
    DONE = "done"  # the routine is over


@dataclass(frozen=True)
class Step:
    """Where the routine is now."""

    phase: Stage
    item_index: int  # len(items) once done
    item: PlannedItem | None
    remaining_sides: tuple[str, ...]
    seconds_left: float = 0.0  # of a countdown or a side switch

    @property
    def prompt(self) -> str | None:
        """The banner text for a countdown, a side switch or the end; None while active."""
        count = math.ceil(self.seconds_left - 1e-9)
        if self.phase is Stage.DONE:
            return "All done - well stretched!"
        if self.item is None:
            return None
        if self.phase is Stage.COUNTDOWN:
            return f"Get ready: {self.item.name}{_sides_hint(self.item.sides)} - {count}"
        if self.phase is Stage.SWITCH:
            side = self.remaining_sides[0] if self.remaining_sides else ""
            return f"Switch sides: now your {side} side - {count}"
        return None


def _sides_hint(sides: tuple[str, ...]) -> str:
    if sides == ("both",):
        return ""
    if len(sides) == 1:
        return f", {sides[0]} side"
    return ", " + " then ".join(sides)


@dataclass
class _Clock:
    phase_start_s: float = 0.0
    paused_at_s: float | None = None


@dataclass
class RoutineRunner:
    """Countdown -> active -> (switch -> active)* per item -> ... -> done.

    An item's sides may be held in any order: the first one finished leads to the
    switch prompt for the rest. `update` takes the frame time and the sides whose
    hold is done; `skip` is the "next" key; while paused, phase clocks stand still.
    """

    items: list[PlannedItem]
    countdown_s: float
    switch_s: float
    _phase: Stage = Stage.COUNTDOWN
    _index: int = 0
    _remaining: list[str] = field(default_factory=list)
    _clock: _Clock = field(default_factory=_Clock)
    _started: bool = False
    _last_s: float = 0.0

    @classmethod
    def from_plan(cls, plan: Plan, countdown_s: float | None = None) -> RoutineRunner:
        countdown = plan.countdown_s if countdown_s is None else countdown_s
        switch = plan.switch_s if countdown_s is None else countdown_s
        return cls(list(plan.items), countdown, switch)

    @property
    def step(self) -> Step:
        if self._phase is Stage.DONE:
            return Step(Stage.DONE, len(self.items), None, ())
        item = self.items[self._index]
        length = self.countdown_s if self._phase is Stage.COUNTDOWN else self.switch_s
        left = 0.0
        if self._phase in (Stage.COUNTDOWN, Stage.SWITCH):
            now = self._clock.paused_at_s if self._clock.paused_at_s is not None else self._last_s
            left = max(0.0, length - (now - self._clock.phase_start_s))
        return Step(self._phase, self._index, item, tuple(self._remaining), left)

    def start(self, t_s: float) -> Step:
        self._started = True
        self._last_s = t_s
        self._begin_item(0, t_s)
        return self.step

    def update(self, t_s: float, done_sides: Collection[str] = ()) -> Step:
        """Advance to `t_s`; `done_sides`: sides of the current item whose hold is done."""
        if not self._started:
            return self.start(t_s)
        self._last_s = t_s
        if self._clock.paused_at_s is not None or self._phase is Stage.DONE:
            return self.step
        if self._phase in (Stage.COUNTDOWN, Stage.SWITCH):
            length = self.countdown_s if self._phase is Stage.COUNTDOWN else self.switch_s
            if t_s - self._clock.phase_start_s >= length:
                self._enter(Stage.ACTIVE, t_s)
        if self._phase is Stage.ACTIVE:
            finished = [side for side in self._remaining if side in done_sides]
            if finished:
                for side in finished:
                    self._remaining.remove(side)
                self._after_side(t_s)
        return self.step

    def skip(self, t_s: float, side: str | None = None) -> Step:
        """The "next" key: skip a countdown, or leave `side` (default: the next one) unfinished."""
        self._last_s = t_s
        if self._phase in (Stage.COUNTDOWN, Stage.SWITCH):
            self._enter(Stage.ACTIVE, t_s)
        elif self._phase is Stage.ACTIVE:
            if side not in self._remaining:
                side = self._remaining[0]
            self._remaining.remove(side)
            self._after_side(t_s)
        return self.step

    def pause(self, t_s: float) -> None:
        if self._clock.paused_at_s is None:
            self._clock.paused_at_s = t_s

    def resume(self, t_s: float) -> None:
        paused_at = self._clock.paused_at_s
        if paused_at is not None:
            # The countdown continues where it stood.
            self._clock.phase_start_s += max(0.0, t_s - paused_at)
            self._clock.paused_at_s = None
            self._last_s = t_s

    @property
    def paused(self) -> bool:
        return self._clock.paused_at_s is not None

    def replace_upcoming(self, items: Sequence[PlannedItem]) -> None:
        """A reloaded routine: items after the current one come from the new file."""
        self.items = self.items[: self._index + 1] + list(items[self._index + 1 :])

    # -- transitions --------------------------------------------------------------

    def _begin_item(self, index: int, t_s: float) -> None:
        self._index = index
        self._remaining = list(self.items[index].sides)
        self._enter(Stage.COUNTDOWN if self.countdown_s > 0 else Stage.ACTIVE, t_s)

    def _after_side(self, t_s: float) -> None:
        if self._remaining:
            self._enter(Stage.SWITCH if self.switch_s > 0 else Stage.ACTIVE, t_s)
        elif self._index + 1 < len(self.items):
            self._begin_item(self._index + 1, t_s)
        else:
            self._enter(Stage.DONE, t_s)

    def _enter(self, phase: Stage, t_s: float) -> None:
        self._phase = phase
        self._clock.phase_start_s = t_s

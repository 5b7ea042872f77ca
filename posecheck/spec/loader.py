"""Load stretch spec files into `StretchSpec` records, with errors that say where and how to fix."""

from __future__ import annotations

import difflib
import os
import types
import typing
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

from posecheck.errors import SpecError
from posecheck.spec.model import StretchSpec

SPECS_ENV = "POSECHECK_SPECS_DIR"


MEASURE_KINDS = ("angle", "direction", "inclination", "offset", "between", "distance")

# A spec is a few levels deep; far deeper nesting is a mistake or an attack on the parser's recursion.
MAX_NESTING = 32
# Python refuses to convert integers longer than 4300 digits; no spec value needs more than a few.
MAX_NUMBER_CHARS = 40

# Errors found across the whole spec (cross-references, mode) start with their own key path.
_SPEC_LEVEL_PATHS = ("rules[", "entry[", "phases[", "cycle", "hold:", "reps:", "measurements.")


def specs_dir() -> Path:
    """The spec catalog: $POSECHECK_SPECS_DIR, ./stretch_specs, or the one shipped in the package.

    A $POSECHECK_SPECS_DIR that is not a folder is a SpecError: silently using another
    catalog would judge against specs the user did not mean.
    """
    env = os.environ.get(SPECS_ENV)
    if env:
        folder = Path(env)
        if not folder.is_dir():
            raise SpecError(
                f"{SPECS_ENV}={env} is not a folder: point it at a folder of spec files, or unset it "
                "to use the specs that come with posecheck"
            )
        return folder
    cwd_dir = Path.cwd() / "stretch_specs"
    if cwd_dir.is_dir():
        return cwd_dir
    # posecheck/catalog: the catalog as package data in an installed wheel; in a checkout, a
    # link to stretch_specs/ at the top of the repository.
    packaged = Path(__file__).resolve().parents[1] / "catalog"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "stretch_specs"


def list_specs(folder: Path | None = None) -> list[Path]:
    """Spec files in the catalog folder, sorted by name."""
    folder = folder or specs_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def find_spec(name_or_path: str, folder: Path | None = None) -> Path:
    """Resolve `--stretch`: an existing file path, or a spec id from the catalog."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        if not path.is_file():
            raise SpecError(f"spec file {name_or_path} not found")
        return path
    catalog = list_specs(folder)
    for candidate in catalog:
        if candidate.stem == name_or_path:
            return candidate
    ids = [p.stem for p in catalog]
    close = difflib.get_close_matches(name_or_path, ids, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "run 'posecheck specs' to list them"
    raise SpecError(f"no stretch spec called '{name_or_path}': {hint}")


def load_spec(path: Path | str) -> StretchSpec:
    """Parse and validate one spec file; any problem is a SpecError naming file, key path and line."""
    path = Path(path)
    data = read_yaml(path, "spec file")
    if not isinstance(data, dict):
        raise SpecError(f"{path}:1: a spec file must be a mapping of keys (id, name, view, ...)")
    try:
        spec = StretchSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_describe(path, data, exc)) from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        # The checks in parse_spec_yaml should leave nothing that gets here; one plain line if it does.
        raise SpecError(f"{path}:1: the spec cannot be checked ({type(exc).__name__}: {exc})") from None
    if spec.id != path.stem:
        line = _line_of(data, ("id",))
        raise SpecError(
            f"{path}:{line}: id: '{spec.id}' differs from the file name; rename the file "
            f"to {spec.id}.yaml or set id: {path.stem}"
        )
    return spec


def read_yaml(path: Path, what: str) -> Any:
    """The YAML document of a spec or routine file (ruamel round-trip, so keys keep their lines).

    Any problem is a SpecError naming `what` and the file, or file:line where it is.
    """
    return parse_spec_yaml(path, read_spec_text(path, what))


def read_spec_text(path: Path, what: str = "spec file") -> str:
    """The file's text; a SpecError for a missing or unreadable file or bytes that are not UTF-8."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{what} {path} not found") from None
    except IsADirectoryError:
        raise SpecError(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise SpecError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02X} at column {column}); "
            "save the file with UTF-8 encoding"
        ) from None


def parse_spec_yaml(path: Path, text: str) -> Any:
    """Parse YAML text into ruamel's round-trip document; any problem is a SpecError with a line.

    The event stream is checked first (iteratively), so nesting that would exhaust the
    recursive composer, mapping keys that are lists or mappings, and integers too long
    for Python to convert are reported at their line instead of raising deep inside ruamel.
    """
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            # ruamel warns (on stderr) about reused anchors and the like; errors say enough.
            warnings.simplefilter("ignore")
            _check_events(path, yaml.parse(text))
            data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = " ".join((exc.problem or "invalid YAML").split())
        if "end of stream" in problem and exc.context_mark is not None:
            mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
        line = mark.line + 1 if mark is not None else "?"
        raise SpecError(f"{path}:{line}: not valid YAML: {problem}; check indentation and quoting") from None
    except YAMLError as exc:
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else 1
        character = getattr(exc, "character", None)
        if isinstance(character, int):
            reason = f"control character U+{character:04X}"
        elif character is not None:
            reason = f"character {character!r}"
        else:
            reason = " ".join(str(exc).split())
        raise SpecError(
            f"{path}:{line}: not valid YAML: unreadable {reason}; remove control characters"
        ) from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        # _check_events rules these out; a construct it missed still gets one plain line.
        raise SpecError(f"{path}:1: not valid YAML for a spec ({type(exc).__name__}: {exc})") from None
    return data


def _check_events(path: Path, events: Any) -> None:
    """Reject what ruamel's recursive composer or int() would choke on, with the line it is on."""
    # One entry per open collection: [is_mapping, nodes seen so far] (keys at even counts).
    open_collections: list[list[Any]] = []
    for event in events:
        if isinstance(event, CollectionEndEvent):
            open_collections.pop()
            continue
        if not isinstance(event, (NodeEvent, AliasEvent)):
            continue
        line = event.start_mark.line + 1
        parent = open_collections[-1] if open_collections else None
        is_key = parent is not None and parent[0] and parent[1] % 2 == 0
        if parent is not None:
            parent[1] += 1
        if isinstance(event, CollectionStartEvent):
            if is_key:
                raise SpecError(
                    f"{path}:{line}: a key is a list or mapping ('? {{...}}' or '? [...]'); "
                    "keys must be plain names such as 'hold' or 'knee_angle'"
                )
            open_collections.append([isinstance(event, MappingStartEvent), 0])
            if len(open_collections) > MAX_NESTING:
                raise SpecError(
                    f"{path}:{line}: nested more than {MAX_NESTING} levels deep; a spec needs only a "
                    "few levels, so check the brackets and indentation"
                )
        elif isinstance(event, ScalarEvent) and event.style is None and _too_long_number(event.value):
            raise SpecError(
                f"{path}:{line}: a number {len(event.value)} characters long; write a number of at "
                f"most {MAX_NUMBER_CHARS} characters"
            )


def _too_long_number(value: str) -> bool:
    """A plain scalar YAML would read as an integer (digits, signs, underscores) that is very long."""
    if len(value) <= MAX_NUMBER_CHARS:
        return False
    return value.lstrip("+-").replace("_", "").replace(":", "").isdigit()


def _describe(path: Path, data: Any, exc: ValidationError) -> str:
    """The most useful validation error as 'file:line: key.path: what is wrong; how to fix'.

    A typo'd key also makes the right key "missing", so unknown keys come first;
    then document order. The count of further problems follows.
    """
    problems = sorted(
        (_describe_one(data, error) for error in exc.errors()),
        key=lambda p: (p[0], p[1]),
    )
    _, line, text = problems[0]
    more = len(problems) - 1
    suffix = f" (+{more} more problem{'s' if more > 1 else ''} after fixing this)" if more else ""
    return f"{path}:{line}: {text}{suffix}"


def _describe_one(data: Any, error: Any) -> tuple[int, int, str]:
    """(rank, line, text): unknown keys rank first; a list's "too short" (a symptom of an
    invalid item inside it) ranks last."""
    loc = _clean_loc(error["loc"])
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
    kind = error["type"]
    rank = {"extra_forbidden": 0, "too_short": 2}.get(kind, 1)
    if kind == "missing" and loc and isinstance(loc[-1], int):
        message = f"too few items: give {loc[-1] + 1} or more"
        loc = loc[:-1]
    elif kind == "extra_forbidden":
        message = _unknown_key_message(str(loc[-1]), _allowed_keys(data, loc[:-1]))
    elif kind == "missing":
        message = f"missing required key '{loc[-1]}': add it"
    elif kind == "literal_error":
        message = f"got {_short_repr(error.get('input'))}; {message.lower()}"
    elif kind in ("float_parsing", "float_type", "int_parsing"):
        message = f"got {_short_repr(error.get('input'))}: write a number"
    elif message.startswith(_SPEC_LEVEL_PATHS):
        # Cross-reference errors raised at spec level carry their own key path.
        head, _, message = message.partition(": ")
        loc = _parse_path(head)
    return rank, _line_of(data, loc), f"{_format_loc(loc) or '(top level)'}: {message}"


def _short_repr(value: Any, limit: int = 60) -> str:
    """repr() for a message: shortened, and safe for values repr() itself refuses (huge ints)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unknown_key_message(key: str, allowed: Sequence[str]) -> str:
    """The hint for a key the model at its place does not know: the closest allowed key, else the list."""
    allowed = [name for name in allowed if name != key]
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key '{key}': did you mean '{close[0]}'?"
    if allowed:
        return f"unknown key '{key}': allowed here: {', '.join(allowed)}"
    return f"unknown key '{key}': remove it"


def _allowed_keys(data: Any, loc: Sequence[int | str]) -> list[str]:
    """The keys the spec language allows in the mapping at `loc` (a cleaned key path), sorted.

    Walks StretchSpec's field types along the path, beside the document itself: the
    document's `kind` says which measurement a `measurements` entry is. Empty if the
    path leads to no model.
    """
    annotation: Any = StretchSpec
    node: Any = data
    for part in loc:
        model = _model_at(annotation, node)
        if model is not None:
            field = model.model_fields.get(part) if isinstance(part, str) else None
            annotation = field.annotation if field is not None else None
        else:
            annotation = _item_type(annotation, part)
        if annotation is None:
            return []
        node = _child(node, part)
    model = _model_at(annotation, node)
    return sorted(model.model_fields) if model is not None else []


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """(type, discriminator) of a possibly Annotated type."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        tags = [m.discriminator for m in metadata if isinstance(getattr(m, "discriminator", None), str)]
        return base, (tags[0] if tags else None)
    return annotation, None


def _model_at(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The model a value of this type is, if it is one; a union is settled by its discriminator."""
    base, discriminator = _unwrap(annotation)
    if isinstance(base, type) and issubclass(base, BaseModel):
        return base
    if typing.get_origin(base) not in (typing.Union, types.UnionType):
        return None
    members = [m for m in typing.get_args(base) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(members) == 1:
        return members[0]
    if discriminator is None or not isinstance(node, dict):
        return None
    tag = node.get(discriminator)
    for member in members:
        field = member.model_fields.get(discriminator)
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return None


def _item_type(annotation: Any, part: int | str) -> Any:
    """The type of item `part` in a tuple, list or dict of this type (None if it is none of those)."""
    base, _ = _unwrap(annotation)
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(base) if m is not type(None)]
        if len(members) != 1:
            return None
        base, _ = _unwrap(members[0])
    origin, args = typing.get_origin(base), typing.get_args(base)
    if origin is tuple and isinstance(part, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if part < len(args) else None
    if origin is list and isinstance(part, int) and args:
        return args[0]
    if origin is dict and isinstance(part, str) and len(args) == 2:
        return args[1]
    return None


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _clean_loc(loc: Sequence[int | str]) -> tuple[int | str, ...]:
    """Drop the discriminator tag pydantic puts in union paths: measurements.knee.angle.points."""
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (i >= 2 and loc[i - 2] == "measurements" and part in MEASURE_KINDS)
    )


def _parse_path(text: str) -> tuple[int | str, ...]:
    parts: list[int | str] = []
    for chunk in text.replace("]", "").split("."):
        name, _, index = chunk.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index))
    return tuple(parts)


def _format_loc(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(data: Any, loc: Sequence[int | str]) -> int:
    """1-based line of the deepest node on `loc` that exists in the ruamel document."""
    line = 1
    node = data
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                if lc is not None:
                    line = lc.item(part)[0] + 1
                node = node[part]
            elif isinstance(node, dict) and part in node:
                if lc is not None:
                    line = lc.key(part)[0] + 1
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line


# Public names for other readers of YAML files with the same error style (routines).
line_of = _line_of
format_loc = _format_loc

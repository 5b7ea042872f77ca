"""The JSON Schema of spec files, generated from the same pydantic models the loader validates with.

Editors use it to complete keys and flag mistakes while typing (a spec file starting with
`# yaml-language-server: $schema=./stretch-spec.schema.json`). It describes what a single
key can hold: types, allowed words, bounds, unknown keys, landmark names. What spans the
whole file (a rule's measure must be defined, hysteresis narrower than the range, keys of
the other mode, the id matching the file name) only `posecheck specs check` can see.

Regenerate the committed copy after changing spec/model.py:

    posecheck specs schema -o stretch_specs/stretch-spec.schema.json
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from posecheck.errors import OutputError
from posecheck.spec.model import SPEC_LANDMARK_NAMES, LandmarkName, StretchSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:posecheck:stretch-spec"
SCHEMA_FILE_NAME = "stretch-spec.schema.json"
REGENERATE_COMMAND = f"posecheck specs schema -o stretch_specs/{SCHEMA_FILE_NAME}"

_LANDMARK_DEF = "LandmarkName"


def _landmark_description() -> str:
    """The description pydantic writes for every `LandmarkName` field: how to recognise them."""
    for meta in typing.get_args(LandmarkName)[1:]:
        description = getattr(meta, "description", None)
        if isinstance(description, str):
            return description
    raise RuntimeError("spec.model.LandmarkName lost its description: update spec/schema.py")


def stretch_spec_schema() -> dict[str, Any]:
    """The schema as a dict: pydantic's, plus what the loader checks in code that JSON Schema can say."""
    schema = StretchSpec.model_json_schema()
    description = _landmark_description()
    landmark_ref = {"$ref": f"#/$defs/{_LANDMARK_DEF}"}

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            # The landmark names are checked by a validator in code; in the schema they become
            # one enum, so an editor completes them and underlines a typo.
            if node.get("type") == "string" and node.get("description") == description:
                return dict(landmark_ref)
            return {key: visit(value) for key, value in node.items()}
        if isinstance(node, list):
            return [visit(item) for item in node]
        return node

    schema = visit(schema)
    definitions = schema.setdefault("$defs", {})
    definitions[_LANDMARK_DEF] = {
        "type": "string",
        "enum": sorted(SPEC_LANDMARK_NAMES),
        "description": f"{description}: a MediaPipe name, mid_PART, or a side-relative "
        "PREFIX_PART (front/back, working/support, near/far, left/right)",
    }
    for definition in definitions.values():
        properties = definition.get("properties", {})
        # A range (entry condition, rule, phase condition) needs min, max or both.
        if {"min", "max"} <= properties.keys():
            definition["anyOf"] = [{"required": ["min"]}, {"required": ["max"]}]
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "posecheck stretch spec",
        "description": "One stretch for posecheck: how to see it, how to judge it, how long to hold it. "
        "Checked in full by 'posecheck specs check'.",
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


def schema_text() -> str:
    """The schema as the committed file holds it: 2-space JSON, one trailing newline."""
    return json.dumps(stretch_spec_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> None:
    """Write the schema to `path` (the folder must exist)."""
    try:
        path.write_text(schema_text(), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; check the folder exists") from None

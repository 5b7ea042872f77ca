"""The JSON Schema of spec files: current with the models, and in agreement with the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML
from support.paths import SPECS_DIR

from posecheck.cli import main
from posecheck.errors import SpecError
from posecheck.spec.loader import load_spec
from posecheck.spec.schema import REGENERATE_COMMAND, SCHEMA_FILE_NAME, schema_text, stretch_spec_schema

SCHEMA_PATH = SPECS_DIR / SCHEMA_FILE_NAME
REAL_SPECS = sorted(SPECS_DIR.glob("*.yaml"))

VALID_SPEC = """\
# yaml-language-server: $schema=./stretch-spec.schema.json
id: test-stretch
name: Test stretch
view: side
hold: {target_s: 20}
entry_cue: Kneel side-on to the camera
measurements:
  front_knee:
    kind: angle
    points: [front_hip, front_knee, front_ankle]
  knee_ahead:
    kind: offset
    points: [front_ankle, front_knee]
    per: [front_hip, front_knee]
entry:
  - {measure: front_knee, min: 55, max: 150}
rules:
  - id: knee-over-ankle
    measure: knee_ahead
    max: 0.15
    severity: critical
    cue: Front knee past the ankle
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def test_committed_schema_is_what_the_models_generate() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_PATH.name} is stale (spec/model.py changed): regenerate it with: {REGENERATE_COMMAND}"
    )


def test_schema_forbids_unknown_keys_and_lists_landmark_names() -> None:
    schema = stretch_spec_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name
    landmarks = schema["$defs"]["LandmarkName"]["enum"]
    assert {"front_knee", "left_hip", "mid_shoulder", "near_ankle", "nose"} <= set(landmarks)
    # Every landmark field refers to that one list; none is left a bare string.
    points = schema["$defs"]["AngleMeasure"]["properties"]["points"]["prefixItems"]
    assert points == [{"$ref": "#/$defs/LandmarkName"}] * 3


@pytest.mark.parametrize("path", REAL_SPECS, ids=[p.stem for p in REAL_SPECS])
def test_every_bundled_spec_passes_the_schema_and_the_loader(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    errors = [e.message for e in validator.iter_errors(_load_yaml(path.read_text(encoding="utf-8")))]
    assert errors == []
    load_spec(path)


# Mistakes within one key: both the schema (in the editor) and the loader (specs check) refuse them.
BROKEN = [
    ("unknown key", "view: side\n", "view: side\nveiw: side\n", "veiw"),
    (
        "landmark typo",
        "[front_hip, front_knee, front_ankle]",
        "[front_hip, front_kne, front_ankle]",
        "front_kne",
    ),
    ("word not allowed", "severity: critical", "severity: urgent", "urgent"),
    ("wrong type", "target_s: 20", "target_s: twenty", "twenty"),
    ("out of bounds", "target_s: 20", "target_s: -5", "hold.target_s"),
    (
        "range without bounds",
        "{measure: front_knee, min: 55, max: 150}",
        "{measure: front_knee}",
        "give 'min'",
    ),
    ("bad rule id", "id: knee-over-ankle", "id: Knee Over Ankle", r"rules\[0\]\.id"),
    ("too few points", "[front_hip, front_knee, front_ankle]", "[front_hip, front_knee]", "points"),
]


@pytest.mark.parametrize(("old", "new", "shown"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_schema_and_loader_refuse_the_same_mistakes(
    tmp_path: Path, validator: jsonschema.Draft202012Validator, old: str, new: str, shown: str
) -> None:
    assert VALID_SPEC.count(old) == 1
    text = VALID_SPEC.replace(old, new)
    path = tmp_path / "test-stretch.yaml"
    path.write_text(text, encoding="utf-8")
    assert list(validator.iter_errors(_load_yaml(text))), "the schema let it through"
    with pytest.raises(SpecError, match=shown):
        load_spec(path)


def test_the_editor_line_is_a_comment_the_loader_accepts(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    path = tmp_path / "test-stretch.yaml"
    path.write_text(VALID_SPEC, encoding="utf-8")
    assert load_spec(path).id == "test-stretch"
    assert list(validator.iter_errors(_load_yaml(VALID_SPEC))) == []


def test_specs_schema_command_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    target = tmp_path / SCHEMA_FILE_NAME
    assert main(["specs", "schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert main(["specs", "schema", "-o", str(tmp_path / "missing" / "x.json")]) == 6
    assert "cannot write" in capsys.readouterr().err

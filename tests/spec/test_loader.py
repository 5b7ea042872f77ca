"""Spec loading: the real catalog loads; a broken spec is a one-line SpecError naming file, line,
key path and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel
from support.paths import REPO_DIR, SPECS_DIR

from posecheck.errors import PosecheckError, SpecError
from posecheck.spec.loader import SPECS_ENV, find_spec, list_specs, load_spec
from posecheck.spec.model import AngleMeasure, EntryCondition, Rule, StretchSpec

REAL_SPECS = sorted(SPECS_DIR.glob("*.yaml"))

SPEC_ID = "test-stretch"

# A small valid spec; every case below breaks (or bends) one thing in it.
VALID_SPEC = """\
# A small kneeling stretch for the loader tests.
id: test-stretch
name: Test stretch
view: side
hold:
  target_s: 20
  grace_s: 2
entry_cue: Kneel side-on to the camera
measurements:
  front_knee:
    kind: angle
    points: [front_hip, front_knee, front_ankle]
  knee_ahead:
    kind: offset
    points: [front_ankle, front_knee]
    per: [front_hip, front_knee]
  twist:
    kind: between
    segments: [[left_hip, right_hip], [left_shoulder, right_shoulder]]
entry:
  - {measure: front_knee, min: 55, max: 150}
  - {measure: knee_ahead, max: 0.6}
rules:
  - id: knee-over-ankle
    measure: knee_ahead
    max: 0.15
    severity: critical
    cue: Front knee past the ankle
  - id: front-knee-90
    measure: front_knee
    min: 70
    max: 115
    severity: advisory
    cue: Front knee at about a right angle
"""

WHOLE_FILE = ""  # as `old`: replace the whole text


def mutate(old: str, new: str) -> str:
    if old == WHOLE_FILE:
        return new
    assert VALID_SPEC.count(old) == 1, f"{old!r} must occur exactly once in VALID_SPEC"
    return VALID_SPEC.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """1-based number of the only line of `text` containing `marker`."""
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"marker {marker!r} must be on exactly one line, found {lines}"
    return lines[0]


def write_spec(folder: Path, text: str, name: str = SPEC_ID) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the real catalog -------------------------------------------------------------


def test_catalog_is_not_empty() -> None:
    assert len(REAL_SPECS) >= 4
    assert list_specs(SPECS_DIR) == REAL_SPECS


@pytest.mark.parametrize("path", REAL_SPECS, ids=[p.stem for p in REAL_SPECS])
def test_every_real_spec_loads(path: Path) -> None:
    spec = load_spec(path)
    assert isinstance(spec, StretchSpec)
    assert spec.id == path.stem
    assert spec.hold.target_s > 0
    # Every rule and entry condition refers to a measurement that exists.
    assert {r.measure for r in spec.rules} | {c.measure for c in spec.entry} <= set(spec.measurements)
    assert spec.sides in (("left", "right"), ("both",), ("left",), ("right",))


def test_the_valid_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, VALID_SPEC))
    assert spec.id == SPEC_ID
    assert [r.id for r in spec.rules] == ["knee-over-ankle", "front-knee-90"]
    assert spec.hysteresis_for(spec.rules[0]) == 0.03  # ratio default
    assert spec.hysteresis_for(spec.rules[1]) == 5.0  # degree default
    assert spec.working_side.detect == "front-leg"
    assert spec.sides == ("left", "right")


# --- broken specs -------------------------------------------------------------------

# (old, new, marker of the line the message must name, key path, further message parts, exception)
BROKEN_SPECS = [
    pytest.param(
        "[front_hip, front_knee, front_ankle]",
        "[front_hip, front_kne, front_ankle]",
        "front_kne,",
        "measurements.front_knee.points",
        ["unknown landmark 'front_kne'", "did you mean 'front_knee'?"],
        SpecError,
        id="landmark-typo",
    ),
    pytest.param(
        "[front_hip, front_knee, front_ankle]",
        "[front_hip, ribcage, front_ankle]",
        "ribcage",
        "measurements.front_knee.points",
        ["unknown landmark 'ribcage'", "use e.g. 'front_knee'"],
        SpecError,
        id="landmark-nothing-close",
    ),
    pytest.param(
        "    per: [front_hip, front_knee]\n",
        "    per: [front_hip, front_knee]\n    pre: [front_hip, front_knee]\n",
        "pre:",
        "measurements.knee_ahead.pre",
        ["unknown key 'pre': did you mean 'per'?"],
        SpecError,
        id="unknown-key-in-measurement",
    ),
    pytest.param(
        "    max: 115\n",
        "    max: 115\n    hystersis: 3\n",
        "hystersis:",
        "rules[1].hystersis",
        ["unknown key 'hystersis': did you mean 'hysteresis'?"],
        SpecError,
        id="unknown-key-in-rule",
    ),
    pytest.param(
        "view: side",
        "veiw: side",
        "veiw:",
        "veiw",
        ["unknown key 'veiw': did you mean 'view'?"],
        SpecError,
        id="unknown-top-level-key-before-missing-key",
    ),
    pytest.param(
        "  grace_s: 2",
        "  grace: 2",
        "grace:",
        "hold.grace",
        ["unknown key 'grace': did you mean 'grace_s'?"],
        SpecError,
        id="unknown-key-in-hold",
    ),
    pytest.param(
        "    min: 70\n    max: 115\n",
        "    min: 100\n    max: 80\n",
        "- id: front-knee-90",
        "rules[1]",
        ["impossible range: min 100 is not below max 80; swap them"],
        SpecError,
        id="swapped-range-in-rule",
    ),
    pytest.param(
        "{measure: front_knee, min: 55, max: 150}",
        "{measure: front_knee, min: 150, max: 55}",
        "min: 150",
        "entry[0]",
        ["impossible range: min 150 is not below max 55; swap them"],
        SpecError,
        id="swapped-range-in-entry",
    ),
    pytest.param(
        "    min: 70\n    max: 115\n",
        "",
        "- id: front-knee-90",
        "rules[1]",
        ["give 'min', 'max' or both"],
        SpecError,
        id="range-with-neither-limit",
    ),
    pytest.param(
        "    max: 0.15\n",
        "    max: high\n",
        "max: high",
        "rules[0].max",
        ["got 'high': write a number"],
        SpecError,
        id="limit-not-a-number",
    ),
    pytest.param(
        "    max: 0.15\n",
        "    max: .inf\n",
        "- id: knee-over-ankle",
        "rules[0]",
        ["'min' and 'max' must be finite numbers"],
        SpecError,
        id="limit-infinite",
    ),
    pytest.param(
        "    severity: critical\n",
        "",
        "- id: knee-over-ankle",
        "rules[0].severity",
        ["missing required key 'severity': add it"],
        SpecError,
        id="missing-key-in-rule",
    ),
    pytest.param(
        "    points: [front_ankle, front_knee]\n",
        "",
        "  knee_ahead:",
        "measurements.knee_ahead.points",
        ["missing required key 'points': add it"],
        SpecError,
        id="missing-key-in-measurement",
    ),
    pytest.param(
        "hold:\n  target_s: 20\n  grace_s: 2\n",
        "",
        "# A small kneeling stretch",
        "hold",
        ["missing required key 'hold'", "add it"],
        SpecError,
        id="missing-top-level-key-is-line-1",
    ),
    pytest.param(
        "    measure: knee_ahead\n",
        "    measure: knee_ahaed\n",
        "knee_ahaed",
        "rules[0].measure",
        ["unknown measurement 'knee_ahaed': did you mean 'knee_ahead'?"],
        SpecError,
        id="rule-refers-to-unknown-measurement",
    ),
    pytest.param(
        "    measure: front_knee\n",
        "    measure: elbow\n",
        "measure: elbow",
        "rules[1].measure",
        ["unknown measurement 'elbow': defined: front_knee, knee_ahead, twist"],
        SpecError,
        id="rule-refers-to-unknown-measurement-nothing-close",
    ),
    pytest.param(
        "{measure: front_knee,",
        "{measure: front_kne,",
        "{measure: front_kne,",
        "entry[0].measure",
        ["unknown measurement 'front_kne': did you mean 'front_knee'?"],
        SpecError,
        id="entry-refers-to-unknown-measurement",
    ),
    pytest.param(
        "  - id: front-knee-90\n",
        "  - id: knee-over-ankle  # again\n",
        "# again",
        "rules[1].id",
        ["rule id 'knee-over-ankle' is used twice: rename one"],
        SpecError,
        id="duplicate-rule-ids",
    ),
    pytest.param(
        "    max: 115\n",
        "    max: 115\n    hysteresis: 25\n",
        "hysteresis: 25",
        "rules[1].hysteresis",
        ["25 deg is too wide for the range [70, 115]: widen the range or set a hysteresis below 22.5"],
        SpecError,
        id="hysteresis-too-wide",
    ),
    pytest.param(
        "    min: 70\n    max: 115\n",
        "    min: 70\n    max: 79\n",
        "- id: front-knee-90",
        "rules[1].hysteresis",
        ["5 deg is too wide for the range [70, 79]: widen the range or set a hysteresis below 4.5"],
        SpecError,
        id="default-hysteresis-too-wide-for-narrow-range",
    ),
    pytest.param(
        "{measure: front_knee, min: 55, max: 150}",
        "{measure: front_knee, min: 55, max: 60}",
        "{measure: front_knee, min: 55, max: 60}",
        "entry[0].hysteresis",
        ["5 deg is too wide for the range [55, 60]: widen the range or set a hysteresis below 2.5"],
        SpecError,
        id="entry-hysteresis-too-wide",
    ),
    pytest.param(
        "view: side",
        "view: sideways",
        "view: sideways",
        "view",
        ["got 'sideways'", "'side', 'front' or 'any'"],
        SpecError,
        id="literal-view",
    ),
    pytest.param(
        "    severity: critical\n",
        "    severity: fatal\n",
        "severity: fatal",
        "rules[0].severity",
        ["got 'fatal'", "'critical' or 'advisory'"],
        SpecError,
        id="literal-severity",
    ),
    pytest.param(
        "    kind: offset\n",
        "    kind: ofset\n",
        "  knee_ahead:",
        "measurements.knee_ahead",
        ["'ofset'", "'offset'"],
        SpecError,
        id="unknown-measurement-kind",
    ),
    pytest.param(
        "  target_s: 20",
        "  target_s: 0",
        "target_s: 0",
        "hold.target_s",
        ["greater than 0"],
        SpecError,
        id="hold-target-zero",
    ),
    pytest.param(
        "view: side\n",
        "view: side\nmin_visibility: 1.5\n",
        "min_visibility",
        "min_visibility",
        ["less than or equal to 1"],
        SpecError,
        id="visibility-over-one",
    ),
    pytest.param(
        "  - id: knee-over-ankle\n",
        "  - id: Knee Over Ankle\n",
        "Knee Over Ankle",
        "rules[0].id",
        ["pattern"],
        SpecError,
        id="rule-id-not-lower-case",
    ),
    pytest.param(
        "id: test-stretch",
        "id: other-stretch",
        "id: other-stretch",
        "id",
        ["'other-stretch' differs from the file name", "other-stretch.yaml", "set id: test-stretch"],
        SpecError,
        id="id-differs-from-file-name",
    ),
    pytest.param(
        "  grace_s: 2",
        "   grace_s: 2",
        "   grace_s: 2",
        "",
        ["not valid YAML", "mapping values are not allowed here", "check indentation"],
        SpecError,
        id="invalid-yaml-indentation",
    ),
    pytest.param(
        "entry_cue: Kneel side-on to the camera",
        "entry_cue: Kneel: side-on to the camera",
        "entry_cue: Kneel:",
        "",
        ["not valid YAML", "mapping values are not allowed here", "quoting"],
        SpecError,
        id="invalid-yaml-unquoted-colon",
    ),
    pytest.param(
        "  grace_s: 2\n",
        "  grace_s: 2\n\tper_side: true\n",
        "per_side",
        "",
        ["not valid YAML", "'\\t'"],
        SpecError,
        id="invalid-yaml-tab",
    ),
    pytest.param(
        "view: side\n",
        "view: side\nview: front\n",
        "view: front",
        "",
        ["not valid YAML", 'duplicate key "view"'],
        SpecError,
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "name: Test stretch",
        "name: 'Test stretch",
        "name: 'Test stretch",
        "",
        ["not valid YAML", "end of stream"],
        SpecError,
        id="unclosed-quote-names-its-line",
    ),
    pytest.param(
        WHOLE_FILE,
        "- a list\n- not a mapping\n",
        "- a list",
        "",
        ["a spec file must be a mapping"],
        SpecError,
        id="not-a-mapping",
    ),
    pytest.param(
        WHOLE_FILE,
        "",
        None,
        "",
        ["a spec file must be a mapping"],
        SpecError,
        id="empty-file",
    ),
    pytest.param(
        "name: Test stretch",
        "name: Test \x07stretch",
        "name: Test",
        "",
        ["not valid YAML", "remove control characters"],
        SpecError,
        id="control-character",
    ),
    pytest.param(
        "view: side\n",
        "view: side\nname: |\n  two\n  lines\n",
        "name: |",
        "",
        ["not valid YAML", 'duplicate key "name" with value "two lines', 'original value: "Test stretch"'],
        SpecError,
        id="duplicate-key-with-multi-line-value",
    ),
    # Not errors: the same table shows what the language accepts.
    pytest.param(
        "    min: 70\n    max: 115\n",
        "    min: 70\n",
        None,
        "",
        [],
        None,
        id="one-sided-range-is-fine",
    ),
    pytest.param(
        "    max: 0.15\n",
        "    max: 0.15\n    hysteresis: 5\n",
        None,
        "",
        [],
        None,
        id="one-sided-range-any-hysteresis",
    ),
    pytest.param(
        "    max: 115\n",
        "    max: 115\n    hysteresis: 22\n",
        None,
        "",
        [],
        None,
        id="hysteresis-just-under-half-the-range",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "key_path", "parts", "raises"), BROKEN_SPECS)
def test_broken_spec_message(
    tmp_path: Path,
    old: str,
    new: str,
    marker: str | None,
    key_path: str,
    parts: list[str],
    raises: type[Exception] | None,
) -> None:
    text = mutate(old, new)
    path = write_spec(tmp_path, text)
    if raises is None:
        assert load_spec(path).id == SPEC_ID
        return
    with pytest.raises(raises) as info:
        load_spec(path)
    message = str(info.value)
    line = 1 if marker is None else line_of(text, marker)
    where = f"{path}:{line}: " + (f"{key_path}: " if key_path else "")
    assert message.startswith(where), message
    for part in parts:
        assert part in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "marker", "expected", "model"),
    [
        pytest.param(
            "    max: 115\n",
            "    max: 115\n    label: knee\n",
            "label: knee",
            "rules[1].label: unknown key 'label': allowed here: {allowed}",
            Rule,
            id="key-valid-elsewhere-lists-the-keys-allowed-here",
        ),
        pytest.param(
            "    segments:",
            "    plain: top\n    segments:",
            "plain: top",
            "measurements.twist.plain: unknown key 'plain': did you mean 'plane'?",
            None,
            id="between-measure-key",
        ),
        pytest.param(
            "    kind: angle\n",
            "    kind: angle\n    per: [left_hip, left_knee]\n",
            "per: [left_hip, left_knee]",
            "measurements.front_knee.per: unknown key 'per': allowed here: {allowed}",
            AngleMeasure,
            id="key-of-another-measurement-kind",
        ),
        pytest.param(
            "    kind: angle\n",
            "    kind: angle\n    spaec: world\n",
            "spaec:",
            "measurements.front_knee.spaec: unknown key 'spaec': did you mean 'space'?",
            None,
            id="typo-in-this-measurement-kind",
        ),
        pytest.param(
            "{measure: front_knee, min: 55, max: 150}",
            "{measure: front_knee, min: 55, max: 150, severity: critical}",
            "severity: critical}",
            "entry[0].severity: unknown key 'severity': allowed here: {allowed}",
            EntryCondition,
            id="rule-key-in-an-entry-condition",
        ),
        pytest.param(
            "hold:\n",
            "working_side: {detect: front-leg, settle: 1}\nhold:\n",
            "settle: 1",
            "working_side.settle: unknown key 'settle': did you mean 'settle_s'?",
            None,
            id="nested-model",
        ),
        pytest.param(
            "  grace_s: 2",
            "  grace_s: 2\n  target: 20",
            "target: 20",
            "hold.target: unknown key 'target': did you mean 'target_s'?",
            None,
            id="closest-key-of-this-model",
        ),
        pytest.param(
            "view: side\n",
            "view: side\ncolour: blue\n",
            "colour: blue",
            "colour: unknown key 'colour': allowed here: {allowed}",
            StretchSpec,
            id="top-level-nothing-close",
        ),
    ],
)
def test_unknown_key_hint_is_useful(
    tmp_path: Path, old: str, new: str, marker: str, expected: str, model: type[BaseModel] | None
) -> None:
    """The hint is the closest key allowed at that place, else the keys of the model there (sorted):
    never the unknown key itself, never a key that belongs elsewhere."""
    if model is not None:
        # e.g. 'label' is a measurement key and 'per' an offset key, but neither is allowed here.
        expected = expected.format(allowed=", ".join(sorted(model.model_fields)))
    text = mutate(old, new)
    path = write_spec(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"{path}:{line_of(text, marker)}: {expected}"


def test_too_few_points_message(tmp_path: Path) -> None:
    text = mutate("[front_hip, front_knee, front_ankle]", "[front_hip, front_knee]")
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(tmp_path, text))
    # The list is too short, not a mapping without a key '2'.
    assert str(info.value) == (
        f"{tmp_path / 'test-stretch.yaml'}:{line_of(text, 'points: [front_hip, front_knee]')}: "
        "measurements.front_knee.points: too few items: give 3 or more"
    )


def test_control_character_is_named_readably(tmp_path: Path) -> None:
    text = mutate("name: Test stretch", "name: Test \x07stretch")
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(tmp_path, text))
    assert "control character U+0007" in str(info.value)


ONLY_RULE = VALID_SPEC[: VALID_SPEC.index("  - id: front-knee-90")].replace("knee-over-ankle", "only-rule")
ONLY_ENTRY = VALID_SPEC.replace("  - {measure: knee_ahead, max: 0.6}\n", "")


@pytest.mark.parametrize(
    ("base", "old", "new", "marker", "key_path", "part"),
    [
        pytest.param(
            ONLY_RULE,
            "    severity: critical\n",
            "",
            "- id: only-rule",
            "rules[0].severity",
            "missing required key 'severity'",
            id="only-rule-missing-key",
        ),
        pytest.param(
            ONLY_RULE,
            "    max: 0.15\n",
            "    max: high\n",
            "max: high",
            "rules[0].max",
            "got 'high': write a number",
            id="only-rule-not-a-number",
        ),
        pytest.param(
            ONLY_RULE,
            "    max: 0.15\n",
            "    min: 1\n    max: 0.15\n",
            "- id: only-rule",
            "rules[0]",
            "impossible range: min 1 is not below max 0.15; swap them",
            id="only-rule-swapped-range",
        ),
        pytest.param(
            ONLY_ENTRY,
            "{measure: front_knee, min: 55, max: 150}",
            "{measure: front_knee, min: 150, max: 55}",
            "min: 150",
            "entry[0]",
            "impossible range: min 150 is not below max 55; swap them",
            id="only-entry-swapped-range",
        ),
    ],
)
def test_single_item_list_reports_the_real_problem(
    tmp_path: Path, base: str, old: str, new: str, marker: str, key_path: str, part: str
) -> None:
    assert base.count(old) == 1
    text = base.replace(old, new)
    path = write_spec(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line_of(text, marker)}: {key_path}: "), message
    assert part in message
    # The list's own "too short" is a symptom of that item: not shown, not even counted first.
    assert "at least 1 item" not in message


@pytest.mark.parametrize(
    ("setup", "message_part"),
    [
        pytest.param("missing", "not found", id="missing-file"),
        pytest.param("directory", "is a folder, not a file", id="a-directory"),
        pytest.param("latin-1", r":\d+: not UTF-8 text \(byte 0xC9 at column \d+\)", id="not-utf8"),
    ],
)
def test_unreadable_file(tmp_path: Path, setup: str, message_part: str) -> None:
    path = tmp_path / f"{SPEC_ID}.yaml"
    if setup == "directory":
        path.mkdir()
    elif setup == "latin-1":
        path.write_bytes(VALID_SPEC.replace("Test stretch", "Étirement").encode("latin-1"))
    with pytest.raises(SpecError, match=message_part) as info:
        load_spec(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_spec_error_is_a_posecheck_error_with_its_exit_code() -> None:
    assert issubclass(SpecError, PosecheckError)
    assert SpecError.exit_code == 3


# --- find_spec ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name_or_path", "expected", "raises", "message"),
    [
        pytest.param("kneeling-hip-flexor", "kneeling-hip-flexor.yaml", None, None, id="by-id"),
        pytest.param("modified-pigeon", "modified-pigeon.yaml", None, None, id="by-other-id"),
        pytest.param(
            "kneeling-hip-flexer",
            None,
            SpecError,
            "no stretch spec called 'kneeling-hip-flexer': did you mean 'kneeling-hip-flexor'?",
            id="unknown-id-did-you-mean",
        ),
        pytest.param(
            "zzz",
            None,
            SpecError,
            "no stretch spec called 'zzz': run 'posecheck specs' to list them",
            id="unknown-id-nothing-close",
        ),
        pytest.param(
            "_private",
            None,
            SpecError,
            "no stretch spec called '_private': run 'posecheck specs' to list them",
            id="underscore-files-are-not-specs",
        ),
        pytest.param(
            "nope.yaml", None, SpecError, "spec file nope.yaml not found", id="missing-path-by-suffix"
        ),
        pytest.param(
            "some/dir/spec",
            None,
            SpecError,
            "spec file some/dir/spec not found",
            id="missing-path-by-separator",
        ),
    ],
)
def test_find_spec_in_catalog(
    tmp_path: Path,
    name_or_path: str,
    expected: str | None,
    raises: type[Exception] | None,
    message: str | None,
) -> None:
    (tmp_path / "_private.yaml").write_text(VALID_SPEC, encoding="utf-8")  # a helper file, not a spec
    for path in REAL_SPECS:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    if raises is None:
        assert find_spec(name_or_path, tmp_path) == tmp_path / str(expected)
        return
    with pytest.raises(raises) as info:
        find_spec(name_or_path, tmp_path)
    assert str(info.value) == message


def test_find_spec_by_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_spec(tmp_path, VALID_SPEC)
    assert find_spec(str(path)) == path
    monkeypatch.chdir(tmp_path)
    assert find_spec(f"{SPEC_ID}.yaml") == Path(f"{SPEC_ID}.yaml")
    # A path wins over the catalog even when the catalog is elsewhere.
    assert load_spec(find_spec(f"{SPEC_ID}.yaml")).id == SPEC_ID


def test_find_spec_uses_the_environment_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_spec(tmp_path, VALID_SPEC)
    monkeypatch.setenv(SPECS_ENV, str(tmp_path))
    assert find_spec(SPEC_ID) == tmp_path / f"{SPEC_ID}.yaml"
    with pytest.raises(SpecError, match="did you mean 'test-stretch'"):
        find_spec("test-strech")


def test_find_spec_default_catalog_is_the_repository_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPECS_ENV, raising=False)
    monkeypatch.chdir(REPO_DIR)
    assert find_spec("kneeling-hip-flexor") == SPECS_DIR / "kneeling-hip-flexor.yaml"


def test_find_spec_in_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no stretch spec called 'kneeling-hip-flexor'"):
        find_spec("kneeling-hip-flexor", tmp_path / "nowhere")

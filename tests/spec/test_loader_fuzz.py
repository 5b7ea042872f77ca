"""Property tests: whatever a spec or routine file holds, loading it gives a spec or a SpecError.

Nothing else may escape (no TypeError, RecursionError, ValueError ...), and the message is
one line that names the file.
"""

from __future__ import annotations

import math
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from posecheck.errors import SpecError
from posecheck.live.routine import load_routine
from posecheck.spec.loader import load_spec

REPO = Path(__file__).resolve().parents[2]
GOOD_SPEC = (REPO / "stretch_specs" / "kneeling-hip-flexor.yaml").read_text(encoding="utf-8")
SPEC_ID = "kneeling-hip-flexor"


def _load(tmp_path: Path, data: bytes | str) -> None:
    path = tmp_path / f"{SPEC_ID}.yaml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    try:
        load_spec(path)
    except SpecError as error:
        message = str(error)
        assert message.startswith(str(path)), message
        assert "\n" not in message


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example of a module: each example rewrites the same file."""
    return tmp_path_factory.mktemp("fuzz")


# Scalars YAML can write, including the awkward ones: huge ints, inf, '$' pairs, control characters.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["$x^2$", "$\\frac{a}{b}$", "=1+2", "@cmd", "-", "front_knee", "left", "hold", "angle"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(string.ascii_lowercase + "_", min_size=1, max_size=12), children, max_size=4),
    ),
    max_leaves=25,
)


@given(data=st.binary(max_size=400))
@example(data=b"id: x\nname: \xff\xfe\n")
@example(data=b"? {a: [1]}\n: 1\n")
@example(data=b"a: " + b"[" * 300 + b"]" * 300)
@example(data=b"hold: {target_s: " + b"9" * 5000 + b"}\n")
def test_any_bytes(fuzz_dir: Path, data: bytes) -> None:
    _load(fuzz_dir, data)


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text(fuzz_dir: Path, text: str) -> None:
    _load(fuzz_dir, text)


@given(
    position=st.integers(min_value=0, max_value=len(GOOD_SPEC)),
    cut=st.integers(min_value=0, max_value=40),
    insert=st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "[" * 200,
                "{a: " * 100,
                "? [1]\n: ",
                "9" * 4400,
                "*x",
                "&x ",
                "!!python/object:os.system ",
                "\t",
                "\x00",
            ]
        ),
    ),
)
def test_a_good_spec_edited_anywhere(fuzz_dir: Path, position: int, cut: int, insert: str) -> None:
    """Typing into a real spec, as someone editing it in live coaching does."""
    text = GOOD_SPEC[:position] + insert + GOOD_SPEC[position + cut :]
    _load(fuzz_dir, text)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_paths(value, (*prefix, i)))
    return found


_GOOD_DATA = YAML(typ="safe").load(GOOD_SPEC)
_GOOD_PATHS = _paths(_GOOD_DATA)[1:]


@given(where=st.sampled_from(_GOOD_PATHS), value=documents)
def test_a_good_spec_with_any_value_anywhere(fuzz_dir: Path, where: tuple[Any, ...], value: Any) -> None:
    """Every key of a real spec given every kind of value: the validator's messages must cope."""
    data = YAML(typ="safe").load(GOOD_SPEC)
    node = data
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    folder = fuzz_dir
    path = folder / f"{SPEC_ID}.yaml"
    yaml = YAML(typ="safe")
    yaml.allow_unicode = True
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    try:
        spec = load_spec(path)
    except SpecError as error:
        assert "\n" not in str(error)
    else:
        assert spec.id == SPEC_ID
        assert all(math.isfinite(m) for m in [spec.hold.target_s] if spec.hold is not None)


@given(value=documents)
def test_routine_files(fuzz_dir: Path, value: Any) -> None:
    folder = fuzz_dir
    path = folder / "routine.yaml"
    yaml = YAML(typ="safe")
    yaml.allow_unicode = True
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump({"name": "fuzz", "items": value}, handle)
    try:
        load_routine(path)
    except SpecError as error:
        assert "\n" not in str(error)

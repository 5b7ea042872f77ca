"""Property tests: whatever a pose recording holds, reading it gives frames or a SourceError.

Frame lines that cannot be read are skipped and reported (the result is marked partial);
a bad header is a SourceError. No other exception may escape, and every frame read is sane.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from posecheck.errors import SourceError
from posecheck.pose.landmarks import NUM_LANDMARKS
from posecheck.pose.recording import RecordingHeader, open_recording


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example of a module: each example rewrites the same file."""
    return tmp_path_factory.mktemp("fuzz")


HEADER = RecordingHeader(source="clip.mp4", size_wh=(640, 480), model="fuzz")
HEADER_LINE = json.dumps(HEADER.to_json())

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**300, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)


def _grid(value: Any, columns: int) -> list[Any]:
    return [[value] * columns for _ in range(NUM_LANDMARKS)] if columns else [value] * NUM_LANDMARKS


@st.composite
def frame_lines(draw: st.DrawFn, index: int) -> str:
    """A frame line: mostly well formed, with any field replaced by anything."""
    good = {
        "i": index,
        "t": index / 30,
        "pose": {
            "xy": _grid(draw(numbers | st.none()), 2),
            "world": _grid(draw(numbers | st.none()), 3),
            "vis": _grid(draw(st.floats(0, 1) | st.none()), 0),
        },
    }
    kind = draw(st.sampled_from(["good", "field", "pose-field", "text", "deep"]))
    if kind == "field":
        good[draw(st.sampled_from(["i", "t", "pose"]))] = draw(json_values)
    elif kind == "pose-field":
        good["pose"][draw(st.sampled_from(["xy", "world", "vis"]))] = draw(json_values)  # type: ignore[index]
    elif kind == "text":
        return draw(st.text(max_size=60)).replace("\n", " ")
    elif kind == "deep":
        return "[" * draw(st.integers(1, 100_000))
    try:
        return json.dumps(good)
    except (ValueError, OverflowError):
        return "{}"


def _read(path: Path) -> None:
    try:
        recording = open_recording(path)
        frames = recording.read_all()
    except SourceError as error:
        assert "\n" not in str(error)
        return
    last_t_s = -math.inf
    for frame in frames:
        assert math.isfinite(frame.timestamp_s) and frame.timestamp_s > last_t_s
        last_t_s = frame.timestamp_s
        if frame.pose is not None:
            for values in (frame.pose.xy_px, frame.pose.world_xyz_m, frame.pose.visibility):
                assert values.dtype == np.float64
                assert not np.isinf(values).any()  # infinities read as missing (NaN)
    if recording.truncated:
        assert recording.problem is not None and "\n" not in recording.problem


@given(st.data())
def test_any_frame_lines(fuzz_dir: Path, data: st.DataObject) -> None:
    count = data.draw(st.integers(0, 8))
    lines = [HEADER_LINE, *(data.draw(frame_lines(i)) for i in range(count))]
    text = "\n".join(lines) + data.draw(st.sampled_from(["\n", ""]))
    path = fuzz_dir / "fuzz.pose.jsonl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _read(path)


@given(header=json_values)
@example(header={**HEADER.to_json(), "fps_hint": 10**400})
@example(header={**HEADER.to_json(), "size_wh": [10**400, 1]})
@example(header={**HEADER.to_json(), "version": 10**4000})
def test_any_header(fuzz_dir: Path, header: Any) -> None:
    path = fuzz_dir / "fuzz.pose.jsonl"
    try:
        text = json.dumps(header)
    except (ValueError, OverflowError):
        text = str(header)
    path.write_text(text + "\n", encoding="utf-8", errors="surrogatepass")
    _read(path)


@given(data=st.binary(max_size=300), compress=st.booleans(), cut=st.integers(0, 200))
def test_any_bytes(fuzz_dir: Path, data: bytes, compress: bool, cut: int) -> None:
    raw = (HEADER_LINE + "\n").encode() + data
    if compress:
        raw = gzip.compress(raw)
        raw = raw[: max(len(raw) - cut, 2)]
    path = fuzz_dir / "fuzz.pose.jsonl"
    path.write_bytes(raw)
    _read(path)

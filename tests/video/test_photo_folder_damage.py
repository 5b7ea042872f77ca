"""Damaged photos: skipped and reported in a folder, refused alone, never scored silently."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.errors import SourceError
from posecheck.video.sources import ImageSource, open_source


def _photo_bytes(suffix: str) -> bytes:
    rng = np.random.default_rng(7)
    image_bgr = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(suffix, image_bgr)
    assert ok
    return encoded.tobytes()


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_an_unreadable_photo_is_skipped_and_named(tmp_path: Path) -> None:
    jpeg = _photo_bytes(".jpg")
    folder = _folder(tmp_path, {"a.jpg": jpeg, "b.jpg": b"not a picture at all", "c.jpg": jpeg})
    with open_source(folder) as source:
        indexes = [frame.index for frame in source]
    assert isinstance(source, ImageSource)
    assert indexes == [0, 2]  # index i is still paths[i]
    assert source.truncated
    assert [path.name for path, _ in source.skipped] == ["b.jpg"]
    assert source.problem is not None and "b.jpg: the photo cannot be decoded" in source.problem


@pytest.mark.parametrize(
    ("suffix", "cut_bytes", "message"),
    [
        pytest.param(".jpg", 400, "the JPEG is cut off", id="jpeg"),
        pytest.param(".png", 30, "the PNG is cut off", id="png"),
    ],
)
def test_a_truncated_photo_is_flagged_not_scored(
    tmp_path: Path, suffix: str, cut_bytes: int, message: str
) -> None:
    data = _photo_bytes(suffix)
    cut = data[: len(data) - cut_bytes]
    # OpenCV alone would decode it (grey rows where the data stops).
    folder = _folder(tmp_path, {f"a{suffix}": data, f"b{suffix}": cut})
    with open_source(folder) as source:
        names = [source.paths[frame.index].name for frame in source]  # type: ignore[attr-defined]
    assert names == [f"a{suffix}"]
    assert source.truncated
    assert source.problem is not None and message in source.problem


def test_a_single_truncated_photo_is_an_error(tmp_path: Path) -> None:
    data = _photo_bytes(".jpg")
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="the JPEG is cut off"):
        open_source(path)


def test_a_folder_of_only_unreadable_photos_is_an_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.jpg": b"x", "b.png": b"y"})
    with pytest.raises(SourceError, match="None of the 2 photos"):
        open_source(folder)


def test_the_first_readable_photo_gives_the_size(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.jpg": b"broken", "b.jpg": _photo_bytes(".jpg")})
    with open_source(folder) as source:
        assert source.size_wh == (160, 120)
        assert [frame.index for frame in source] == [1]
    assert source.truncated

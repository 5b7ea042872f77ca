"""Video sources and sinks: timing, rotation, damaged files, photo folders, H.264 output."""

from __future__ import annotations

import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import av.video
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from posecheck.errors import OutputError, SourceError
from posecheck.video.sinks import ENCODER_NICE, VideoFileSink, output_size
from posecheck.video.sources import ImageSource, VideoFileSource, open_source

SMALL_CLIP = Path("quad_stretch") / "traj_prone-quad-stretch_vertical.mp4"  # 202x360, 297 frames
HD_CLIP = Path("low_lunge") / "fitbod_kneeling-hip-flexor.mp4"  # 1920x1080, 845 frames
GIF_CLIP = Path("cat_cow") / "chloe_cat-cow_prenatal.gif"  # 3 frames, 0.8 s apart

# What an iPhone writes in `tkhd` for a portrait clip: the landscape sensor picture
# must be turned 90° clockwise (ffprobe: "displaymatrix: rotation of -90.00 degrees").
IPHONE_PORTRAIT_MATRIX = (0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)


def _marker_image(width_px: int = 64, height_px: int = 48) -> npt.NDArray[np.uint8]:
    """Black picture with a white block in the top-left corner."""
    image_bgr = np.zeros((height_px, width_px, 3), np.uint8)
    image_bgr[:16, :16] = 255
    return image_bgr


def _write_clip(
    path: Path,
    pts_ms: Sequence[int],
    image_bgr: npt.NDArray[np.uint8] | None = None,
    configure: Callable[[av.video.stream.VideoStream], None] | None = None,
) -> None:
    """Encode one picture per timestamp (milliseconds) into an H.264 MP4."""
    picture = _marker_image() if image_bgr is None else image_bgr
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.height, stream.width = picture.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if configure is not None:
            configure(stream)
        for pts in pts_ms:
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _corner_means(image_bgr: npt.NDArray[np.uint8]) -> dict[str, float]:
    gray = image_bgr[..., 0].astype(float)
    return {
        "top_left": gray[:8, :8].mean(),
        "top_right": gray[:8, -8:].mean(),
        "bottom_left": gray[-8:, :8].mean(),
        "bottom_right": gray[-8:, -8:].mean(),
    }


def _decoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("posecheck-decode")]


# --- sources -----------------------------------------------------------------


def test_vfr_timestamps_are_read_back_exactly(tmp_path: Path) -> None:
    # Irregular gaps and a non-zero start, as phones write when the frame rate dips.
    pts_ms = [500, 517, 533, 600, 611, 700, 1000, 1003, 1040, 1250]
    clip = tmp_path / "vfr.mp4"
    _write_clip(clip, pts_ms)

    with open_source(clip) as source:
        assert isinstance(source, VideoFileSource)
        timestamps_s = [frame.timestamp_s for frame in source]
        assert not source.truncated
        assert source.problem is None
    assert timestamps_s == [(pts - pts_ms[0]) / 1000 for pts in pts_ms]


def test_frames_not_a_millisecond_later_are_dropped(tmp_path: Path) -> None:
    clip = tmp_path / "dense.mp4"
    with av.open(str(clip), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 10_000)
        for pts in [0, 5, 10, 20, 25]:  # 0.5 ms apart in places
            frame = av.VideoFrame.from_ndarray(_marker_image(), format="bgr24")
            frame.pts = pts
            frame.time_base = Fraction(1, 10_000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

    with VideoFileSource(clip) as source:
        frames = list(source)
    timestamps_ms = [round(frame.timestamp_s * 1000) for frame in frames]
    assert timestamps_ms == [0, 1, 2]
    assert [frame.index for frame in frames] == [0, 1, 2]
    assert source.frames_dropped == 2


@pytest.mark.parametrize(
    ("configure", "rotation_deg", "marker_corner"),
    [
        (lambda s: s.set_display_matrix(IPHONE_PORTRAIT_MATRIX), 90, "top_right"),
        (lambda s: s.set_display_rotation(90), 270, "bottom_left"),  # 90° counterclockwise
        (lambda s: s.set_display_rotation(180), 180, "bottom_right"),
    ],
    ids=["iphone-portrait", "ccw90", "upside-down"],
)
def test_rotated_video_comes_out_upright(
    tmp_path: Path,
    configure: Callable[[av.video.stream.VideoStream], None],
    rotation_deg: int,
    marker_corner: str,
) -> None:
    clip = tmp_path / "rotated.mp4"
    _write_clip(clip, [0, 33, 67], configure=configure)

    with open_source(clip) as source:
        frames = list(source)
    assert source.rotation_deg == rotation_deg
    expected_wh = (48, 64) if rotation_deg in (90, 270) else (64, 48)
    assert source.size_wh == expected_wh
    assert all(frame.size_wh == expected_wh for frame in frames)
    assert all(frame.image_bgr.flags.c_contiguous for frame in frames)
    corners = _corner_means(frames[0].image_bgr)
    assert max(corners, key=lambda corner: corners[corner]) == marker_corner
    assert corners[marker_corner] > 200


def test_large_video_is_analysed_at_720p_in_one_conversion(tmp_path: Path) -> None:
    """1920x1080 comes out 1280x720 (the model gains nothing above it); smaller stays as is."""
    clip = tmp_path / "hd.mp4"
    _write_clip(clip, [0, 33, 67], image_bgr=_marker_image(1920, 1080))
    with open_source(clip) as source:
        frames = list(source)
    assert source.size_wh == (1280, 720)
    assert source.stored_size_wh == (1920, 1080)
    assert all(frame.size_wh == (1280, 720) and frame.image_bgr.flags.c_contiguous for frame in frames)
    corners = _corner_means(frames[0].image_bgr)
    assert max(corners, key=lambda corner: corners[corner]) == "top_left"
    with VideoFileSource(clip, max_long_side_px=None) as full:
        assert full.size_wh == (1920, 1080)
        assert next(iter(full)).size_wh == (1920, 1080)


def test_large_portrait_video_is_capped_on_its_long_side_after_rotation(tmp_path: Path) -> None:
    clip = tmp_path / "portrait.mp4"
    _write_clip(
        clip,
        [0, 33, 67],
        image_bgr=_marker_image(1920, 1080),
        configure=lambda s: s.set_display_matrix(IPHONE_PORTRAIT_MATRIX),
    )
    with open_source(clip) as source:
        frames = list(source)
    assert source.rotation_deg == 90
    assert source.size_wh == (720, 1280)
    assert all(frame.size_wh == (720, 1280) for frame in frames)
    corners = _corner_means(frames[0].image_bgr)
    assert max(corners, key=lambda corner: corners[corner]) == "top_right"


def test_real_clip_hints(footage_dir: Path) -> None:
    with open_source(footage_dir / SMALL_CLIP) as source:
        assert source.is_video
        assert source.name == "traj_prone-quad-stretch_vertical"
        assert source.size_wh == (202, 360)
        assert source.frame_count_hint == 297
        assert source.fps_hint == pytest.approx(30.0)
        assert source.duration_s_hint == pytest.approx(9.9, abs=0.1)
        frames = list(source)
    assert len(frames) == 297
    assert frames[0].timestamp_s == 0.0
    assert frames[1].timestamp_s == pytest.approx(1 / 30, abs=1e-4)
    assert frames[0].image_bgr.dtype == np.uint8
    # 202 px rows carry FFmpeg padding; callers still get packed arrays.
    assert all(frame.image_bgr.flags.c_contiguous for frame in frames)
    assert not source.truncated


def test_gif_is_read_as_video_with_its_own_frame_delays(footage_dir: Path) -> None:
    with open_source(footage_dir / GIF_CLIP) as source:
        assert isinstance(source, VideoFileSource)
        timestamps_s = [frame.timestamp_s for frame in source]
    assert timestamps_s == pytest.approx([0.0, 0.8, 1.6])


def test_truncated_clip_yields_frames_then_reports(tmp_path: Path, footage_dir: Path) -> None:
    clip = tmp_path / "cut.mp4"
    data = (footage_dir / SMALL_CLIP).read_bytes()
    clip.write_bytes(data[: len(data) // 2])

    with open_source(clip) as source:
        frames = list(source)
    assert 50 < len(frames) < 297
    assert source.truncated
    assert source.problem is not None
    assert "cut.mp4" in source.problem


def test_clip_cut_on_a_packet_boundary_is_still_reported(tmp_path: Path, footage_dir: Path) -> None:
    # No half packet, so no decoder error: only the frame count betrays the cut.
    original = footage_dir / SMALL_CLIP
    with av.open(str(original)) as container:
        positions = [p.pos for p in container.demux(video=0) if p.pos is not None and p.pos > 0]
    clip = tmp_path / "cut_clean.mp4"
    clip.write_bytes(original.read_bytes()[: positions[len(positions) // 2]])

    with open_source(clip) as source:
        frames = list(source)
    assert 100 < len(frames) < 297
    assert source.truncated
    assert source.problem is not None
    assert "ends early" in source.problem


def test_file_with_nothing_decodable_is_a_source_error(tmp_path: Path, footage_dir: Path) -> None:
    clip = tmp_path / "stub.mp4"
    clip.write_bytes((footage_dir / SMALL_CLIP).read_bytes()[:4000])
    with pytest.raises(SourceError, match=r"stub\.mp4"):
        open_source(clip)


@pytest.mark.parametrize("file_name", ["notes.txt", "not_really.mp4", "broken.jpg"])
def test_non_video_file_is_a_source_error(tmp_path: Path, file_name: str) -> None:
    path = tmp_path / file_name
    path.write_text("a shopping list, not a video\n" * 20)
    with pytest.raises(SourceError, match="not a video or photo posecheck can read") as caught:
        open_source(path)
    assert file_name in str(caught.value)


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        open_source(tmp_path / "nowhere.mp4")


def test_empty_folder_is_a_source_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no photos here")
    with pytest.raises(SourceError, match="holds no photos"):
        open_source(tmp_path)


def test_photo_folder_is_read_in_name_order(tmp_path: Path) -> None:
    # Distinct widths identify each photo after reading.
    for name, width_px in [("b.png", 40), ("a.jpg", 30), ("c.webp", 50), ("d.BMP", 60)]:
        assert cv2.imwrite(str(tmp_path / name), np.full((20, width_px, 3), 128, np.uint8))
    (tmp_path / ".hidden.jpg").write_bytes(b"macOS metadata")
    (tmp_path / "clip.mp4").write_bytes(b"ignored: folders are photos only")

    with open_source(tmp_path) as source:
        assert isinstance(source, ImageSource)
        assert not source.is_video
        assert source.name == tmp_path.name
        assert [p.name for p in source.paths] == ["a.jpg", "b.png", "c.webp", "d.BMP"]
        assert source.size_wh == (30, 20)
        seen = []
        for frame in source:
            assert source.current_path == source.paths[frame.index]
            seen.append((frame.index, frame.timestamp_s, frame.size_wh[0]))
    assert seen == [(0, 0.0, 30), (1, 1.0, 40), (2, 2.0, 50), (3, 3.0, 60)]


def test_unreadable_photo_in_folder_names_it(tmp_path: Path) -> None:
    assert cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "b.jpg").write_bytes(b"not a jpeg")
    with open_source(tmp_path) as source:
        assert len(list(source)) == 1  # skipped, not fatal
    assert source.truncated
    assert source.problem is not None and "b.jpg" in source.problem


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """Insert a minimal EXIF block (IFD0 with one Orientation entry) after SOI."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def test_photo_exif_orientation_is_applied(tmp_path: Path) -> None:
    ok, encoded = cv2.imencode(".jpg", _marker_image())
    assert ok
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(_with_exif_orientation(encoded.tobytes(), orientation=6))  # 90° CW

    with open_source(photo) as source:
        assert source.size_wh == (48, 64)
        (frame,) = list(source)
    corners = _corner_means(frame.image_bgr)
    assert max(corners, key=lambda corner: corners[corner]) == "top_right"


def test_real_photo_file(footage_dir: Path) -> None:
    with open_source(footage_dir / "quad_stretch" / "ifaizj_standing-quad-stretch.webp") as source:
        assert isinstance(source, ImageSource)
        (frame,) = list(source)
    assert frame.size_wh == source.size_wh == (730, 411)


def test_early_stop_does_not_hang_or_leak_threads(footage_dir: Path) -> None:
    started_s = time.perf_counter()
    with open_source(footage_dir / HD_CLIP) as source:
        for frame in source:
            if frame.index == 2:
                break
        # Leaving the loop closes the generator, which stops the decoder at once.
        assert not _decoder_threads()
    assert time.perf_counter() - started_s < 5.0

    # Closing without iterating at all is fine too.
    with open_source(footage_dir / HD_CLIP):
        pass
    assert not _decoder_threads()


def test_iterator_kept_past_close_does_not_hang(footage_dir: Path) -> None:
    with open_source(footage_dir / SMALL_CLIP) as source:
        frames = iter(source)
        next(frames)
    assert next(frames, None) is None
    assert not _decoder_threads()


def test_video_source_is_read_once(footage_dir: Path) -> None:
    with open_source(footage_dir / GIF_CLIP) as source:
        list(source)
        with pytest.raises(RuntimeError, match="only once"):
            list(source)


# --- sinks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size_wh", "max_long_side", "expected_wh"),
    [
        ((1920, 1080), 1280, (1280, 720)),
        ((1080, 1920), 1280, (720, 1280)),
        ((202, 360), 1280, (202, 360)),  # never upscale
        ((203, 361), 1280, (202, 360)),  # odd sizes trimmed to even
        ((4032, 3024), 1280, (1280, 960)),
        ((1000, 3), 640, (640, 2)),
    ],
)
def test_output_size(size_wh: tuple[int, int], max_long_side: int, expected_wh: tuple[int, int]) -> None:
    assert output_size(size_wh, max_long_side) == expected_wh


def test_sink_round_trip_keeps_vfr_timing(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    timestamps_s = [0.0, 0.0167, 0.0334, 0.1, 0.1167, 0.25, 0.2667, 0.5, 0.51, 0.9, 0.9334, 1.2]
    gray_bgr = np.full((240, 320, 3), (40, 120, 200), np.uint8)
    with VideoFileSink(out, (320, 240), fps_hint=60.0) as sink:
        for i, timestamp_s in enumerate(timestamps_s):
            # Every other frame arrives at another size and must be resized.
            image = gray_bgr if i % 2 == 0 else np.asarray(cv2.resize(gray_bgr, (640, 480)), np.uint8)
            assert sink.write(image, timestamp_s)
        assert not sink.write(gray_bgr, 1.2)  # not later than the last: skipped
    assert sink.frames_written == len(timestamps_s)
    assert sink.frames_skipped == 1

    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "faststart puts the index first"
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
    with VideoFileSource(out) as source:
        frames = list(source)
    assert [f.timestamp_s for f in frames] == pytest.approx(timestamps_s, abs=0.001)
    assert frames[0].size_wh == (320, 240)
    # The colour survives BGR -> I420 -> H.264 -> BGR (the tags say BT.601 limited range).
    mean_bgr = frames[-1].image_bgr.reshape(-1, 3).mean(axis=0)
    assert mean_bgr == pytest.approx([40, 120, 200], abs=6)


def test_sink_closed_by_an_exception_is_still_playable(tmp_path: Path) -> None:
    out = tmp_path / "interrupted.mp4"
    with pytest.raises(KeyboardInterrupt), VideoFileSink(out, (64, 48), 30.0) as sink:
        for i in range(5):
            sink.write(_marker_image(), i / 30)
        raise KeyboardInterrupt
    with VideoFileSource(out) as source:
        assert len(list(source)) == 5


@pytest.mark.skipif(sys.platform != "linux", reason="threads are niced apart only on Linux")
def test_the_encoder_thread_runs_below_the_model(tmp_path: Path) -> None:
    """The encoder yields the CPU to the pose model's thread (the caller's nice is unchanged)."""

    def nice_of(native_id: int) -> int:
        # /proc/self/task/TID/stat: field 19 is the nice value; the name (2) may hold spaces.
        fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[16])

    before = nice_of(threading.get_native_id())
    with VideoFileSink(tmp_path / "nice.mp4", (64, 48), 30.0) as sink:
        sink.write(_marker_image(), 0.0)
        deadline_s = time.monotonic() + 10
        while sink.frames_written == 0 and time.monotonic() < deadline_s:
            time.sleep(0.01)  # the encoder lowers its priority before its first frame
        encoder = next(t for t in threading.enumerate() if t.name.startswith("posecheck-encode"))
        assert encoder.native_id is not None
        assert nice_of(encoder.native_id) == ENCODER_NICE
    assert nice_of(threading.get_native_id()) == before


def test_sink_without_frames_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "empty.mp4"
    with VideoFileSink(out, (64, 48), 30.0) as sink:
        pass
    assert sink.frames_written == 0
    assert not out.exists()


def test_sink_rejects_non_bgr_images(tmp_path: Path) -> None:
    with VideoFileSink(tmp_path / "x.mp4", (64, 48), 30.0) as sink, pytest.raises(ValueError):
        sink.write(np.zeros((48, 64), np.uint8), 0.0)


def test_sink_into_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="missing"):
        VideoFileSink(tmp_path / "missing" / "out.mp4", (64, 48), 30.0)


def test_sink_reencodes_real_clip(tmp_path: Path, footage_dir: Path) -> None:
    out = tmp_path / "annotated.mp4"
    with open_source(footage_dir / SMALL_CLIP) as source:
        size_wh = output_size(source.size_wh)
        with VideoFileSink(out, size_wh, source.fps_hint) as sink:
            timestamps_s = []
            for frame in source:
                sink.write(frame.image_bgr, frame.timestamp_s)
                timestamps_s.append(frame.timestamp_s)
    with VideoFileSource(out) as reread:
        assert reread.size_wh == size_wh
        assert [f.timestamp_s for f in reread] == pytest.approx(timestamps_s, abs=0.001)

"""Hot reload survives every bad state a spec file can be saved in: the last good spec stays."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.live.routine import plan_for_spec
from posecheck.live.session import LiveOptions, LiveSession
from posecheck.live.window import HeadlessDisplay
from posecheck.spec import load_spec
from posecheck.video.camera import FileAsCamera, LatestFrame, SessionClock

REPO = Path(__file__).resolve().parents[2]
SPEC = "kneeling-hip-flexor"
GOOD = (REPO / "stretch_specs" / f"{SPEC}.yaml").read_text(encoding="utf-8")

BAD_STATES = [
    pytest.param("? {a: [1]}\n: 1\n", "a key is a list or mapping", id="list-key"),
    pytest.param("id: x\nname: " + "[" * 300 + "]" * 300 + "\n", "nested more than", id="300-deep"),
    pytest.param(GOOD.replace("target_s: 30", "target_s: " + "9" * 5000), "a number 5000", id="5000-digits"),
    pytest.param(GOOD.replace("view: side", "view: s\udcffde"), "not UTF-8", id="not-utf8"),
    pytest.param("", "must be a mapping", id="emptied"),
    pytest.param(GOOD[: len(GOOD) // 2], "", id="half-saved"),
    pytest.param("a: &a [1]\nb: *a\n" * 3, "", id="aliases"),
    pytest.param(
        GOOD.replace("id: kneeling-hip-flexor", "id: other"), "differs from the file name", id="other-id"
    ),
]


class NoOne:
    last_inference_ms = 1.0

    def detect(self, image_bgr: np.ndarray, timestamp_s: float) -> None:
        return None


def _clip(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize(("text", "message"), BAD_STATES)
def test_a_bad_save_keeps_the_last_good_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / f"{SPEC}.yaml"
    path.write_text(GOOD, encoding="utf-8")
    clock = SessionClock()
    notices: list[str] = []
    session = LiveSession(
        plan_for_spec(load_spec(path), path),
        LatestFrame(FileAsCamera(_clip(tmp_path / "c.mp4"), clock, paced=False), keep_all=True),
        NoOne(),
        HeadlessDisplay(),
        clock,
        LiveOptions(countdown_s=0.0),
        on_notice=notices.append,
    )
    good = session._good_specs[path]
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    session._reload_spec(path, 0.0)  # what the file watcher triggers on a save
    assert session._good_specs[path] is good
    assert notices and notices[-1].endswith("keeping the last good version"), notices
    assert message in notices[-1]
    assert "\n" not in notices[-1]
    path.write_text(GOOD, encoding="utf-8")  # fixed: the session runs on with it
    result = session.run()
    assert result.ended.value in ("source-ended", "quit", "finished")

"""progress.html: self-contained, and drawn by a real browser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import pytest
from support.browser import Page, pixels_near, run_chromium
from support.history import make_summary

from posecheck.history import HistoryStore, session_from_summary
from posecheck.history.page import write_progress_page
from posecheck.palette import SIDES as _SIDE_COLORS

CET = dt.timezone(dt.timedelta(hours=1))
TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("progress")
    with HistoryStore.open(folder / "h.sqlite3") as store:
        for k in range(10):
            day = TODAY - dt.timedelta(days=2 * k)
            when = dt.datetime.combine(day, dt.time(8 + k % 3), tzinfo=CET)
            summary = make_summary(
                measures={"back_thigh": (2.0 + k, 20.0 - k, 25.0 - k), "torso_lean": (0.0, 5.0 + k % 3, 9.0)},
                held_s={"left": 30.0, "right": 30.0 - 2 * k},
            )
            store.append(session_from_summary(summary, kind="video", started_at=when))
            reps = {"target": 10, "counted": {"both": 10 - k % 4}, "rejected": {}}
            cat = make_summary(
                "cat-cow",
                held_s={"both": None},
                measures={"trunk": (2.0, 9.0, 20.0)},
                rules={"flat": ("trunk", "advisory", None, 35.0, 0.0)},
                reps=reps,
            )
            store.append(session_from_summary(cat, kind="live", started_at=when + dt.timedelta(hours=1)))
        sessions = store.sessions()
    path = folder / "progress.html"
    size = write_progress_page(path, sessions, today=TODAY)
    assert size == path.stat().st_size
    return path


def test_page_is_self_contained(page_path: Path) -> None:
    text = page_path.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text
    page = Page(text)
    assert {
        "progress-header",
        "adherence",
        "sessions",
        "stretch-kneeling-hip-flexor",
        "stretch-cat-cow",
    } <= page.ids()
    tiles = {a["data-tile"] for a in page.with_class("tile")}
    assert tiles == {"sessions", "streak", "this week", "sessions per week"}
    words = page.words()
    assert "20 sessions" in words and "longest 1" in words  # every other day: streaks of one day


def test_page_renders_in_headless_chromium(page_path: Path, tmp_path: Path) -> None:
    shot = tmp_path / "progress.png"
    result = run_chromium([f"--screenshot={shot}", "--window-size=1280,3000", page_path.as_uri()], tmp_path)
    assert shot.exists(), result.stderr[-2000:]
    picture = cv2.imread(str(shot), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape[:2] == (3000, 1280)
    assert float(picture.std()) > 20
    # The weekly bars (pass green) and both sides' hold lines drew.
    assert pixels_near(picture, "#43a047") > 3000
    for color in _SIDE_COLORS[:2]:
        assert pixels_near(picture, color) > 150, color
    dom = Page(run_chromium(["--dump-dom", page_path.as_uri()], tmp_path).stdout)
    bars = dom.with_class("bar-week")
    # Two sessions a day on 3 Dec, 1 Dec, 29, 27, 25, 23, 21, 19, 17 and 15 Nov; weeks from Monday:
    # 30 Nov (3, 1 Dec), 23 Nov (29, 27, 25, 23), 16 Nov (21, 19, 17), 9 Nov (15).
    assert {a["data-week"]: int(a["data-sessions"]) for a in bars} == {
        "2026-11-09": 2,
        "2026-11-16": 6,
        "2026-11-23": 8,
        "2026-11-30": 4,
    }
    charts = {a["data-trend"] for a in dom.with_class("trend-chart")}
    assert {
        "kneeling-hip-flexor-hold",
        "kneeling-hip-flexor-back_thigh",
        "kneeling-hip-flexor-torso_lean",
        "kneeling-hip-flexor-hold_left_minus_right",
        "kneeling-hip-flexor-form_left_minus_right",
        "cat-cow-trunk",
    } == charts
    assert len([t for t, a in dom.elements if t == "tr" and "data-session" in a]) == 20
    # The back thigh's median rose 1 deg every 2 days: +3.5 deg a week (shown rounded), improving;
    # the right side's hold rose 2 s every 2 days of a 30 s target: +23% a week.
    words = dom.words()
    assert "+4° a week, improving" in words and "+23% a week, improving" in words

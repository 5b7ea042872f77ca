"""report.html: structure and self-containment on a scripted session, then a real clip in headless Chromium.

The scripted session is the real Engine on hand-built poses (tests/test_engine.py),
drawn by the real Overlay on a plain grey picture: left side held well, right side
with the knee past the ankle for a long time.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from support.browser import Page, pixels_near, run_chromium
from support.poses import FPS, GOOD_FORM, IMAGE_WH, KNEE_PAST_TOES, KNEE_RULE, make_pose

from posecheck.checks.engine import Engine
from posecheck.cli import main
from posecheck.errors import OutputError
from posecheck.overlay import Overlay
from posecheck.report.context import ReportContext
from posecheck.report.html import asymmetry_findings, render_html_report, write_html_report
from posecheck.report.moments import FaultMoments, FaultThumbnail, person_box
from posecheck.report.summary import SummaryBuilder
from posecheck.results import Cue, FrameResult, RuleCheck, Severity, Verdict
from posecheck.session import report_context
from posecheck.spec.loader import load_spec
from posecheck.spec.model import StretchSpec

SECTIONS = ("report-header", "verdict", "holds", "asymmetry", "timeline", "moments", "measurements")


@pytest.fixture(scope="module")
def spec(specs_dir: Path) -> StretchSpec:
    return load_spec(specs_dir / "kneeling-hip-flexor.yaml")


@pytest.fixture(scope="module")
def ctx(spec: StretchSpec) -> ReportContext:
    return report_context(spec, "scripted.mp4")


@pytest.fixture(scope="module")
def scripted(spec: StretchSpec, ctx: ReportContext) -> dict[str, Any]:
    """Left held well (one short knee fault), right with the knee past the ankle for long."""
    engine, builder, moments, overlay = Engine(spec), SummaryBuilder(ctx), FaultMoments(ctx), Overlay()
    frame = 0

    def play(pose: Any, seconds: float) -> None:
        nonlocal frame
        for _ in range(round(seconds * FPS)):
            result = engine.step(pose, frame / FPS, frame)
            builder.add(result)
            due = moments.due(result)
            if due:
                scene = np.full((IMAGE_WH[1], IMAGE_WH[0], 3), 96, np.uint8)
                moments.capture(due, result, overlay.draw(scene, result))
            frame += 1

    play(None, 1.0)
    play(GOOD_FORM, 12.0)
    play(make_pose(KNEE_PAST_TOES), 1.5)
    play(GOOD_FORM, 3.0)
    right, right_knee_past = make_pose(swap_legs=True), make_pose(KNEE_PAST_TOES, swap_legs=True)
    play(right, 4.0)
    play(right_knee_past, 4.0)
    play(right, 1.0)
    summary = builder.summary(complete=True, frames_total=frame)
    return {"summary": summary, "series": builder.series, "thumbnails": moments.thumbnails()}


@pytest.fixture(scope="module")
def page_text(scripted: dict[str, Any], ctx: ReportContext) -> str:
    return render_html_report(scripted["summary"], scripted["series"], ctx, scripted["thumbnails"])


def test_every_section_is_there(page_text: str, spec: StretchSpec) -> None:
    page = Page(page_text)
    assert set(SECTIONS) <= page.ids()
    assert "reps" not in page.ids()  # a hold stretch has no reps
    assert [a["data-side"] for a in page.with_class("hold-card")] == ["left", "right"]
    assert [a["data-measure"] for a in page.with_class("measure-chart")] == list(spec.measurements)
    bands = [a["data-row"] for a in page.with_class("band")]
    assert bands == [*(r.id for r in spec.rules), "in-pose", "side"]
    words = page.words()
    assert "Kneeling hip flexor stretch" in words and "scripted.mp4" in words


def test_measure_charts_draw_hysteresis_and_the_minimum_duration_wait(
    page_text: str, ctx: ReportContext
) -> None:
    """A value back inside the green band with the verdict still failing is the rule's own damping:
    the chart shows it, as the timeline PNG does."""
    charts = re.findall(r'<svg[^>]*class="measure-svg".*?</svg>', page_text, flags=re.S)
    shin = next(c for c in charts if "front shin" in c.lower() or "shin lean" in c.lower())
    hysteresis = [
        r for r in ctx.rule_ids if ctx.rule_measure.get(r) == "shin_lean" and ctx.rule_hysteresis.get(r)
    ]
    assert hysteresis, "the knee rules have a hysteresis band"
    assert shin.count('class="hysteresis"') >= len(hysteresis)
    # The knee goes past the toes at once: the verdict waits out the minimum duration, twice.
    assert shin.count('class="waiting"') >= 2
    assert "waiting out the minimum duration" in shin


def test_the_page_is_self_contained(page_text: str) -> None:
    assert "http://" not in page_text and "https://" not in page_text
    page = Page(page_text)
    for tag, attrs in page.elements:
        for key in ("src", "href"):
            if key in attrs:
                assert attrs[key].startswith(("data:", "#")), (tag, attrs[key][:60])
    # Every link goes to an element on the page.
    targets = {a["href"][1:] for _, a in page.elements if a.get("href", "").startswith("#")}
    assert targets and targets <= page.ids()
    assert not [t for t, _ in page.elements if t in ("script", "link", "iframe")]


def test_fault_moments_show_the_pictures_and_cues(
    page_text: str, scripted: dict[str, Any], spec: StretchSpec
) -> None:
    thumbnails: list[FaultThumbnail] = scripted["thumbnails"]
    knee = [m for m in thumbnails if m.rule_id == KNEE_RULE]
    assert sorted(m.side or "" for m in knee) == ["left", "right"]
    rule = next(r for r in spec.rules if r.id == KNEE_RULE)
    for moment in knee:
        assert moment.cue == rule.cue and moment.cue_shown
    # The longer right-side fault lasted about its 4 s (less the rule's 0.4 s to flip), the left 1.5 s.
    lengths = {m.side: m.episode_s for m in knee}
    assert lengths["right"] == pytest.approx(4.0, abs=0.5) and lengths["left"] == pytest.approx(1.5, abs=0.5)
    page = Page(page_text)
    images = [a["src"] for t, a in page.elements if t == "img"]
    assert len(images) == len(page.with_class("moment")) >= 2
    for src in images:
        assert src.startswith("data:image/jpeg;base64,")
        picture = cv2.imdecode(
            np.frombuffer(base64.b64decode(src.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR
        )
        height, width = picture.shape[:2]
        assert width <= 384 and width / height == pytest.approx(4 / 3, abs=0.02)
    assert rule.cue in page.words()


def test_asymmetry_is_called_out(page_text: str) -> None:
    start = page_text.index('<section id="asymmetry"')
    callout = page_text[start : page_text.index("</section>", start)]
    assert 'class="callout callout-warn"' in callout
    assert "The right side held" in callout
    assert (
        "&#x27;Knee past the toes - slide the front foot forward&#x27; came up mostly on the right" in callout
    )


def _sides(
    left: tuple[float, float, float | None, float], right: tuple[float, float, float | None, float]
) -> dict[str, Any]:
    """(best held s, time in pose s, good form fraction, knee rule fail s) per side."""

    def side(held: float, in_pose: float, form: float | None, fail: float) -> dict[str, Any]:
        return {
            "best_held_s": held,
            "time_in_pose_s": in_pose,
            "good_form_fraction": form,
            "rules": {KNEE_RULE: {"fail_s": fail}},
        }

    return {
        "sides": {"left": side(*left), "right": side(*right)},
        "rules": {KNEE_RULE: {"cue": "Knee past the ankle"}},
    }


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        pytest.param(_sides((30, 32, 0.95, 0.5), (28, 31, 0.9, 0.6)), [], id="even"),
        pytest.param(
            _sides((30, 32, 0.95, 0), (12, 31, 0.9, 0)),
            ["The right side held 60% less: 30.0 s on the left, 12.0 s on the right."],
            id="held-differs",
        ),
        pytest.param(
            _sides((30, 32, 0.95, 0), (30, 40, 0.6, 0)),
            [
                "Form was weaker on the right: good form 95% of the time in the pose on the left, "
                "60% on the right."
            ],
            id="form-differs",
        ),
        pytest.param(
            _sides((30, 30, 0.9, 1.0), (30, 30, 0.9, 9.0)),
            [
                "'Knee past the ankle' came up mostly on the right side: 30% of the time in the pose, "
                "against 3% on the left."
            ],
            id="rule-fails-on-one-side",
        ),
        pytest.param(
            _sides((0, 0, None, 0), (30, 31, 0.9, 0)),
            ["Only the right side was done: do the left side too, for balance."],
            id="one-side-only",
        ),
        pytest.param(_sides((0, 0, None, 0), (0, 0, None, 0)), [], id="nothing-done"),
        pytest.param({"sides": {"both": {}}, "rules": {}}, [], id="no-sides"),
    ],
)
def test_asymmetry_findings(summary: dict[str, Any], expected: list[str]) -> None:
    assert asymmetry_findings(summary) == expected


# --- fault moments -------------------------------------------------------------------------


def _frame(t_s: float, failing: set[str], cue_rule: str | None = None) -> FrameResult:
    checks = tuple(
        RuleCheck(rid, "m", 0.0, Verdict.FAIL_HIGH if rid in failing else Verdict.PASS, Severity.CRITICAL, ())
        for rid in ("knee-over-ankle", "torso-upright")
    )
    cue = Cue(f"fix {cue_rule}", "correction", cue_rule) if cue_rule else None
    return FrameResult(round(t_s * FPS), t_s, None, "left", 1, True, checks=checks, cue=cue)


def _episodes(*phases: tuple[float, set[str], str | None]) -> Iterator[FrameResult]:
    t_s = 0.0
    for seconds, failing, cue_rule in phases:
        for _ in range(round(seconds * FPS)):
            yield _frame(t_s, failing, cue_rule)
            t_s += 1 / FPS


def test_fault_moments_keep_the_longest_episodes(ctx: ReportContext) -> None:
    moments = FaultMoments(ctx, per_rule=2)
    scene = np.zeros((360, 640, 3), np.uint8)
    captured = []
    knee = "knee-over-ankle"
    for result in _episodes(
        (1.0, set(), None),
        (1.0, {knee}, knee),  # 1 s
        (3.0, set(), None),
        (3.0, {knee}, knee),  # 3 s: kept
        (3.0, set(), None),
        (0.1, {knee}, knee),  # 0.1 s: too short to show
        (3.0, set(), None),
        (2.0, {knee}, knee),  # 2 s: kept
        (0.5, set(), None),
        (1.0, {knee}, knee),  # back within the merge gap: the same moment, now 3.5 s
    ):
        due = moments.due(result)
        if due:
            captured.append((round(result.timestamp_s, 2), due))
            moments.capture(due, result, scene)
    assert [d for _, d in captured] == [(knee,)] * 4  # once per episode: its cue shows at once
    kept = moments.thumbnails()
    assert [round(m.t_s, 2) for m in kept] == [5.0, 14.1]  # time order
    assert [m.episode_s for m in kept] == pytest.approx([3.0, 3.5], abs=0.04)
    assert all(m.cue == f"fix {knee}" and m.cue_shown for m in kept)


def test_a_fault_whose_cue_waits_is_pictured_again_when_it_shows(ctx: ReportContext) -> None:
    moments = FaultMoments(ctx)
    scene = np.zeros((360, 640, 3), np.uint8)
    knee, torso = "knee-over-ankle", "torso-upright"
    dues = []
    # Both fail; the screen shows the knee cue first and the torso cue only from 2 s.
    for result in _episodes((2.0, {knee, torso}, knee), (2.0, {knee, torso}, torso)):
        due = moments.due(result)
        if due:
            dues.append((round(result.timestamp_s, 2), due))
            moments.capture(due, result, scene)
    assert dues == [(0.0, (knee, torso)), (2.0, (torso,))]
    by_rule = {m.rule_id: m for m in moments.thumbnails()}
    assert (by_rule[knee].t_s, by_rule[knee].cue_shown) == (0.0, True)
    assert (round(by_rule[torso].t_s, 2), by_rule[torso].cue_shown) == (2.0, True)
    assert by_rule[torso].cue == f"fix {torso}" and by_rule[torso].episode_start_s == 0.0


@pytest.mark.parametrize("mirror", [False, True])
def test_person_box_is_a_card_shaped_crop_inside_the_picture(mirror: bool) -> None:
    pose = make_pose()
    width, height = IMAGE_WH
    x0, y0, x1, y1 = person_box(pose, width, height, mirror)
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert (x1 - x0) / (y1 - y0) == pytest.approx(4 / 3, abs=0.01)
    seen = pose.xy_px[pose.visibility >= 0.5]
    xs = width - seen[:, 0] if mirror else seen[:, 0]
    assert x0 <= xs.min() and xs.max() <= x1 and y0 <= seen[:, 1].min() and seen[:, 1].max() <= y1


# --- other summaries -------------------------------------------------------------------------


def test_reps_are_shown_when_the_summary_has_them(scripted: dict[str, Any], ctx: ReportContext) -> None:
    summary = dict(scripted["summary"])
    summary["reps"] = {"target": 10, "sides": {"left": {"count": 7, "rejected": 2}, "right": {"count": 10}}}
    page = Page(render_html_report(summary, scripted["series"], ctx, ()))
    assert "reps" in page.ids()
    words = page.words()
    assert "7 of 10 reps, 2 with a fault (not counted)" in words and "10 of 10 reps" in words


def test_unwritable_report_is_one_line_error(
    tmp_path: Path, scripted: dict[str, Any], ctx: ReportContext
) -> None:
    target = tmp_path / "missing-folder" / "report.html"
    with pytest.raises(OutputError) as error:
        write_html_report(target, scripted["summary"], scripted["series"], ctx, ())
    assert str(error.value).startswith(f"Cannot write the HTML report {target}: ")
    assert "\n" not in str(error.value)


# --- a real clip in a real browser ----------------------------------------------------------


@pytest.mark.slow
def test_real_clip_report_renders_in_headless_chromium(
    footage_dir: Path, model_path: Path, tmp_path: Path, spec: StretchSpec
) -> None:
    clip = footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4"
    out_dir = tmp_path / "out"  # thumbnails of real footage stay in this temporary folder
    os.environ["POSECHECK_MODEL"] = str(model_path)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        code = main(
            ["analyze", str(clip), "--stretch", "kneeling-hip-flexor", "--out", str(out_dir), "--no-video"]
        )
    assert code == 0, stdout.getvalue()
    report = out_dir / f"{clip.stem}.report.html"
    assert f"report: {report.resolve().as_uri()}" in stdout.getvalue()
    text = report.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text

    screenshot = tmp_path / "report.png"
    shot = run_chromium([f"--screenshot={screenshot}", "--window-size=1280,2400", report.as_uri()], tmp_path)
    assert screenshot.exists(), shot.stderr[-2000:]
    picture = cv2.imread(str(screenshot), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape[:2] == (2400, 1280)
    # Not blank: a page of text, charts and a photo has many distinct shades.
    assert float(picture.std()) > 20 and len(np.unique(picture.reshape(-1, 3), axis=0)) > 2000
    # The inline SVG drew: the timeline's pass green, this clip's advisory orange and the right side's teal.
    for color in ("#43a047", "#fb8c00", "#00897b"):
        assert pixels_near(picture, color) > 500, color

    dom = run_chromium(["--dump-dom", report.as_uri()], tmp_path).stdout
    page = Page(dom)
    assert set(SECTIONS) <= page.ids()
    assert len(page.with_class("measure-chart")) == len(spec.measurements)
    assert len(page.with_class("hold-card")) == 2
    assert len(page.with_class("moment")) >= 1
    assert re.search(r"Only the right side was done", page.words())
    assert len([t for t, _ in page.elements if t == "svg"]) >= 8

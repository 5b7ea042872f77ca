"""Headless Chromium for page tests: a screenshot and the DOM after rendering (as the report test does)."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """CI installs Debian's chromium (.ci/run); without it this fails rather than skips."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does)")


def run_chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pixels_near(picture: np.ndarray, hex_rgb: str, tolerance: int = 12) -> int:
    r, g, b = (int(hex_rgb[i : i + 2], 16) for i in (1, 3, 5))
    distance = np.abs(picture.astype(np.int16) - np.array([b, g, r], np.int16)).max(axis=2)
    return int(np.count_nonzero(distance <= tolerance))


class Page(html.parser.HTMLParser):
    """Every element's tag and attributes, and the page's text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [a for _, a in self.elements if name in a.get("class", "").split()]

    def words(self) -> str:
        return " ".join(" ".join(self.text).split())

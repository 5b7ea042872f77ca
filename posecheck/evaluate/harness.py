"""Run the labelled footage through the engine: model once per file (cached), every spec it needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from posecheck.evaluate.camera import CameraChange
from posecheck.evaluate.labels import Item, Labels
from posecheck.evaluate.poses import PoseCache
from posecheck.evaluate.scoring import ItemScore, score_item
from posecheck.spec.model import StretchSpec


@dataclass(frozen=True)
class Selection:
    """Which items and specs to score: a split ("all" for both) and optionally one spec."""

    split: str = "all"
    spec_id: str | None = None

    def items(self, items: Sequence[Item]) -> list[Item]:
        return [
            item
            for item in items
            if (self.split == "all" or item.split == self.split)
            and (self.spec_id is None or self.spec_id in item.specs())
        ]

    def specs(self, item: Item) -> tuple[str, ...]:
        return tuple(s for s in item.specs() if self.spec_id is None or s == self.spec_id)


def evaluate(
    labels: Labels,
    specs: Mapping[str, StretchSpec],
    cache: PoseCache,
    selection: Selection,
    *,
    on_item: Callable[[Item, int, int], None] | None = None,
    on_frame: Callable[[], None] | None = None,
    camera: CameraChange | None = None,
) -> list[ItemScore]:
    """Score every selected item against each of its specs; `on_item(item, i, n)` before each.

    With `camera`, the recorded landmarks are first changed as that camera would have seen them.
    """
    chosen = selection.items(labels.items)
    scores = []
    for i, item in enumerate(chosen):
        if on_item is not None:
            on_item(item, i, len(chosen))
        frames = cache.recording(labels.footage_dir / item.file, on_frame).read_all()
        if camera is not None:
            frames, item = camera.frames(frames), camera.item(item)
        for spec_id in selection.specs(item):
            scores.append(score_item(item, specs[spec_id], frames))
    return scores

"""The accuracy harness: hand labels of real footage, the engine's verdicts on it, and figures.

`posecheck eval` runs it; see `labels` (the labels file), `poses` (cached pose recordings),
`scoring` (the figures) and `report` (terminal table, eval.json, eval.md).
"""

# Frames per second of video the model sees at most, as a live session on a slow machine would.
# Here, not in poses.py, so `posecheck --help` does not load the pose model stack to show it.
DEFAULT_MAX_FPS = 10.0

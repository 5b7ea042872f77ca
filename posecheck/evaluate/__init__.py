"""The accuracy harness: hand labels of real footage, the engine's verdicts on it, and figures.

`posecheck eval` runs it; see `labels` (the labels file), `poses` (cached pose recordings),
`scoring` (the figures) and `report` (terminal table, eval.json, eval.md).
"""

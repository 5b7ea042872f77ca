"""Modules that mediapipe imports at load time for features pose landmarking never uses.

`import mediapipe` loads the module of every task it has. Two of them import heavy
libraries at the top: the 3D plot helper in `vision.drawing_utils` imports
`matplotlib.pyplot` (about 0.3 s: backend selection, the font manager, pyplot's global
state) and the audio recorder imports `sounddevice` (about 0.07 s, mostly a search for the
PortAudio library, which fails on most servers). That is a tenth of a short analysis.

While mediapipe loads, `deferred()` puts a stand-in for each in `sys.modules`, so those
`import` statements succeed at once; a stand-in loads the real module the first time any
attribute is read from it, so mediapipe's helpers still work if something calls them.
Afterwards the stand-ins leave `sys.modules`: later imports get the real modules as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

# What `import mediapipe` pulls in that the pose landmarker never touches.
UNUSED_BY_POSE = ("matplotlib.pyplot", "sounddevice")


class _Deferred(types.ModuleType):
    """Stands in for a module until an attribute is read, then forwards to the real one."""

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        if sys.modules.get(name) is self:  # still inside deferred(): make way for the real one
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)


@contextlib.contextmanager
def deferred(names: tuple[str, ...] = UNUSED_BY_POSE) -> Iterator[None]:
    """Within the block, importing any of `names` (not yet loaded) costs nothing."""
    stand_ins = {name: _Deferred(name) for name in names if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]

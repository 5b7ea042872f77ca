"""Live coaching: a camera (or a video played as one) judged in real time.

capture thread (posecheck.video.camera: newest frame wins)
  -> pose model (VIDEO mode) -> Engine -> framing gate -> overlay -> window (window.py)
with a routine runner (routine.py), hot reload (reload.py), keys (keys.py),
notices and FPS (hud.py); `session.LiveSession` is the loop; the command is `posecheck.commands.live`.
"""

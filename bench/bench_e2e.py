"""`posecheck analyze` as users meet it, against the bare model and a typical peer, in one run.

    python bench/bench_e2e.py [CLIP] [--stretch ID] [--rounds R] [--short-s S] [--heights 0,432]

Every measurement is a whole process, timed from start to exit: interpreter start-up,
imports, model load, the frame loop and, for posecheck, the end-of-run summary, timeline
plot and HTML report. On each clip it runs, alternating round by round so a noisy shared
machine affects all alike:

    bare       bench/bare_model.py: decode + pose model (VIDEO mode), no outputs
    analyze    posecheck analyze CLIP (annotated H.264 video, CSV, summary, plot, report)
    no-video   posecheck analyze CLIP --no-video
    peer       bench/peer_loop.py: OpenCV read, IMAGE mode, MediaPipe drawing utils, mp4v write

The clips are CLIP at its own size and scaled to each of --heights (e.g. 432 for 768x432),
each whole and cut to its first --short-s seconds; the copies go to a temporary folder.
Prints per clip, for each command the best of the rounds (on a shared machine the slower
runs measure the neighbours): frames/s over the whole process (frames / wall time), the
ratio to the bare model (target >= 0.9 for analyze) and of analyze to the peer (target
>= 1.5), CPU seconds (user + system, all threads; what a fully loaded machine pays), and
peak resident memory of each process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _clips import DEFAULT_CLIP, DEFAULT_STRETCH, count_frames, derive_clip, describe

BENCH = Path(__file__).resolve().parent


@dataclass
class Runs:
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)


def _status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/PID/status in MB (Linux); 0 once the process has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants (worker processes, Ray's daemons)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(c) for c in children.read().split())
        except OSError:
            continue
    return found


def _peak_rss_mb(pid: int) -> float:
    """Resident memory of the process and its descendants now, or the process's own
    high-water mark if that is more (the sum is sampled, the mark is exact)."""
    return max(_status_mb(pid, "VmHWM"), sum(_status_mb(p, "VmRSS") for p in _tree(pid)))


def run_process(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process, which must succeed."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        peak_mb = 0.0
        while True:
            # Polled: the high-water mark goes with the process, and wait4's ru_maxrss is not
            # reliable for a child that exec'd.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_mb = max(peak_mb, _peak_rss_mb(process.pid))
            time.sleep(0.05)
        wall_s = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            stderr = log.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-2000:]}")
    return wall_s, usage.ru_utime + usage.ru_stime, peak_mb


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)


def commands(clip: Path, stretch: str, out_dir: Path, model: str) -> dict[str, list[str]]:
    python = sys.executable
    model_arg = ["--model", model]
    analyze = [python, "-m", "posecheck", "analyze", str(clip), "-s", stretch, "-o", str(out_dir), "-q"]
    return {
        "bare": [python, str(BENCH / "bare_model.py"), str(clip), "--model", model],
        "analyze": [*analyze, "--model", model],
        "no-video": [*analyze, "--no-video", "--model", model],
        "peer": [python, str(BENCH / "peer_loop.py"), str(clip), "-o", str(out_dir / "peer.mp4"), *model_arg],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--stretch", default=DEFAULT_STRETCH)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--short-s", type=float, default=3.0, help="length of the short clips (default 3)")
    parser.add_argument(
        "--heights", default="0,432", help="clip heights, 0 = the clip's own size (default %(default)s)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the peer loop")
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    if not args.model:
        raise SystemExit("pass --model or set POSECHECK_MODEL")
    env = {**os.environ, "POSECHECK_MODEL": args.model}
    with tempfile.TemporaryDirectory(prefix="posecheck-bench-") as tmp:
        tmp_dir = Path(tmp)
        clips: list[Path] = []
        for height in (int(h) for h in args.heights.split(",")):
            for seconds in (None, args.short_s):
                clips.append(derive_clip(Path(args.clip), tmp_dir, height_px=height or None, seconds=seconds))
        print(f"{args.rounds} round(s), alternating; whole processes; model {Path(args.model).name}")
        for clip in clips:
            frames = count_frames(clip)
            print(f"\n{clip.name}: {describe(clip)}, {frames} frames")
            runs: dict[str, Runs] = {}
            for _ in range(args.rounds):
                for name, command in commands(clip, args.stretch, tmp_dir / "out", args.model).items():
                    if name == "peer" and args.no_peer:
                        continue
                    wall_s, cpu_s, peak_mb = run_process(command, env)
                    entry = runs.setdefault(name, Runs())
                    entry.wall_s.append(wall_s)
                    entry.cpu_s.append(cpu_s)
                    entry.peak_mb.append(peak_mb)
            # The best of the rounds: on a shared machine the slower runs measure the neighbours.
            bare_s = min(runs["bare"].wall_s)
            for name, entry in runs.items():
                wall_s = min(entry.wall_s)
                print(
                    f"  {name:9} {wall_s:6.2f} s  {frames / wall_s:6.1f} frames/s  "
                    f"x{bare_s / wall_s:5.2f} of bare  CPU {min(entry.cpu_s):6.2f} s  "
                    f"peak {max(entry.peak_mb):5.0f} MB  (each run: {_seconds(entry.wall_s)})"
                )
            analyze_s = min(runs["analyze"].wall_s)
            verdict = "met" if bare_s / analyze_s >= 0.9 else "NOT met"
            line = f"  analyze / bare: {bare_s / analyze_s:.3f} (target >= 0.9: {verdict})"
            if "peer" in runs:
                peer_s = min(runs["peer"].wall_s)
                line += f"; analyze / peer: {peer_s / analyze_s:.2f}x (target >= 1.5: "
                line += f"{'met' if peer_s / analyze_s >= 1.5 else 'NOT met'})"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

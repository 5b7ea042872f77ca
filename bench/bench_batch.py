"""A batch of videos on 1 vs 2 worker processes, and on a local Ray instance, in one run.

    python bench/bench_batch.py [--clips 8] [--seconds 4] [--height 432] [--rounds 2]

Cuts the first --seconds of --clips different real clips (scaled to --height) into a
temporary folder, then times whole `posecheck analyze FOLDER` processes, alternating round by
round: `--jobs 1`, `--jobs 2`, `--ray ADDRESS` on a local Ray instance with 2 CPUs that is
already running (as a cluster is for its users: started before the timing, stopped after)
and `--ray local --jobs 2` (the command starts and stops a private Ray instance itself).
Prints frames/s for each (best of the rounds), the speed-up of 2 workers over 1 (target
>= 1.6) and Ray against the process pool (target within 15%).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from _clips import DEFAULT_STRETCH, SHARED, count_frames, derive_clip
from bench_e2e import run_process

FOOTAGE = SHARED / "data/footage"
# Real 1080p clips of different people and stretches, so no two jobs are alike.
CLIPS = (
    "low_lunge/fitbod_kneeling-hip-flexor.mp4",
    "low_lunge/fitbod_static-lunge.mp4",
    "pigeon/fitbod_pigeon.mp4",
    "butterfly/fitbod_butterfly.mp4",
    "quad_stretch/fitbod_shin-box-quad-stretch.mp4",
    "knee_to_chest/fitbod_knee-to-chest.mp4",
    "figure_four/fitbod_supine-figure-four.mp4",
    "seated_forward_bend/fitbod_seated-forward-bend.mp4",
    "downward_dog/fitbod_downdog.mp4",
    "cobra/fitbod_upward-dog.mp4",
)


# A local Ray instance that outlives the command: started by a helper process, which prints
# its address and keeps it up until its stdin closes.
_RAY_INSTANCE = """
import sys, ray
ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, log_to_driver=False)
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()
ray.shutdown()
"""


@contextlib.contextmanager
def ray_instance(cpus: int, env: dict[str, str]) -> Iterator[str]:
    """The address of a local Ray instance with `cpus` CPUs, up for the block."""
    helper = subprocess.Popen(
        [sys.executable, "-c", _RAY_INSTANCE, str(cpus)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert helper.stdin is not None and helper.stdout is not None
    try:
        address = helper.stdout.readline().strip()
        if not address:
            raise SystemExit("could not start a local Ray instance (is Ray installed?)")
        yield address
    finally:
        helper.stdin.close()
        helper.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--height", type=int, default=432)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stretch", default=DEFAULT_STRETCH)
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    parser.add_argument("--no-video", action="store_true", help="analyse without the annotated videos")
    args = parser.parse_args()
    if not args.model:
        raise SystemExit("pass --model or set POSECHECK_MODEL")
    if not 1 <= args.clips <= len(CLIPS):
        raise SystemExit(f"--clips must be 1..{len(CLIPS)}")
    env = {**os.environ, "POSECHECK_MODEL": args.model}
    with tempfile.TemporaryDirectory(prefix="posecheck-batch-bench-") as tmp:
        tmp_dir = Path(tmp)
        folder = tmp_dir / "clips"
        folder.mkdir()
        for name in CLIPS[: args.clips]:
            derive_clip(FOOTAGE / name, folder, height_px=args.height, seconds=args.seconds)
        frames = sum(count_frames(p) for p in folder.iterdir())
        what = f"{args.clips} clips of {args.seconds:g} s at {args.height}p, {frames} frames"
        print(f"{what}; whole processes", flush=True)
        base = [sys.executable, "-m", "posecheck", "analyze", str(folder), "-s", args.stretch, "-q"]
        if args.no_video:
            base.append("--no-video")
        variants = {
            "1 worker": ["--jobs", "1"],
            "2 workers": ["--jobs", "2"],
            "Ray, running": ["--ray", "ADDRESS"],
            "Ray local, 2 CPUs": ["--ray", "local", "--jobs", "2"],
        }
        walls: dict[str, list[float]] = {name: [] for name in variants}
        cpus: dict[str, list[float]] = {name: [] for name in variants}
        peaks: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, extra in variants.items():
                out = tmp_dir / "out" / name.replace(" ", "_").replace(",", "")
                run_env = env
                with contextlib.ExitStack() as stack:
                    if "ADDRESS" in extra:
                        # Ray's local instances check a token: the command is given the instance's.
                        run_env = {**env, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
                        address = stack.enter_context(ray_instance(2, run_env))
                        extra = [address if arg == "ADDRESS" else arg for arg in extra]
                    wall_s, cpu_s, peak_mb = run_process([*base, "-o", str(out), *extra], run_env)
                walls[name].append(wall_s)
                cpus[name].append(cpu_s)
                peaks[name].append(peak_mb)
    for name in variants:
        best = min(walls[name])
        each = ", ".join(f"{w:.1f} s" for w in walls[name])
        # Ray's workers are children of its own daemons, not of the command: their CPU time
        # is not in the command's, so none is shown.
        cpu = "     - " if name.startswith("Ray") else f"{min(cpus[name]):6.1f} s"
        print(
            f"  {name:18} {best:6.1f} s  {frames / best:6.1f} frames/s  CPU {cpu}  "
            f"peak {max(peaks[name]):5.0f} MB (all processes)  (each run: {each})"
        )
    one, two, running, ray = (min(walls[name]) for name in variants)
    speedup = one / two
    print(f"  2 workers / 1 worker: {speedup:.2f}x (target >= 1.6: {'met' if speedup >= 1.6 else 'NOT met'})")
    # One worker already runs decode, model and encoder on threads of its own: the cores it
    # leaves idle bound what a second worker can add.
    cores = os.cpu_count() or 1
    one_busy = min(cpus["1 worker"]) / one
    print(
        f"  1 worker keeps {one_busy:.2f} of {cores} cores busy: 2 workers can gain at most "
        f"{min(2.0, cores / one_busy):.2f}x at the same CPU work (2 workers used "
        f"{min(cpus['2 workers']) / min(cpus['1 worker']):.2f}x its CPU seconds)"
    )
    for label, time_s in (("Ray already running", running), ("Ray started by the command", ray)):
        gap = time_s / two - 1
        within = "met" if abs(gap) <= 0.15 else "NOT met"
        print(f"  {label} vs process pool: {gap:+.1%} time (target within 15%: {within})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

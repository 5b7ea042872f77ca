"""Run a batch's jobs in parallel: worker processes on this machine, or tasks on a Ray cluster.

Each worker analyses one video at a time with its own pose model, exactly as `analyze`
does for one file, so a batch gives the same results as the files one by one.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Sequence
from typing import Any

from posecheck.batch.jobs import EXIT_INTERRUPTED, BatchJob, BatchOutcome, analyze_one
from posecheck.errors import PosecheckError

ProgressCallback = Callable[[int], None]  # frames done since the last call
DoneCallback = Callable[[BatchOutcome], None]

RAY_INSTALL = "pip install 'posecheck[ray]'"
# How often the parent wakes to pass frame counts to the progress bar.
_POLL_S = 0.1


class RayMissingError(PosecheckError):
    """`--ray` was asked for but Ray is not installed."""


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


# -- worker processes ---------------------------------------------------------------------

_progress_queue: Any = None


def _init_worker(progress_queue: Any) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    # Ctrl-C reaches every process of the terminal's group: an idle worker ignores it (the
    # parent stops handing out jobs), a busy one stops its analysis at the next frame
    # boundary and keeps what it wrote (analyze_video installs its own handler meanwhile).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _report_frames(frames: int) -> None:
    _progress_queue.put(frames)


def _run_in_worker(job: BatchJob) -> BatchOutcome:
    return analyze_one(job, _report_frames)


def run_local(
    jobs: Sequence[BatchJob], workers: int, on_frames: ProgressCallback, on_done: DoneCallback
) -> list[BatchOutcome]:
    """Every job on a pool of `workers` processes; outcomes in the order the jobs were given."""
    if workers <= 1 or len(jobs) <= 1:
        # No pool for one worker: same work, no process start-up.
        outcomes = []
        for job in jobs:
            outcome = analyze_one(job, on_frames)
            on_done(outcome)
            outcomes.append(outcome)
        return outcomes
    # "spawn": the parent may hold threads (progress bar, MediaPipe), which fork would copy half-made.
    context = multiprocessing.get_context("spawn")
    progress_queue = context.Queue()
    results: dict[int, BatchOutcome] = {}
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(progress_queue,),
    ) as pool:
        futures = {pool.submit(_run_in_worker, job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        while pending:
            try:
                done, pending = concurrent.futures.wait(pending, timeout=_POLL_S)
            except KeyboardInterrupt:
                # Start nothing new; the running analyses stop at their next frame.
                for future in pending:
                    future.cancel()
                continue
            _drain(progress_queue, on_frames)
            for future in done:
                index = futures[future]
                results[index] = _outcome_of(future, jobs[index])
                on_done(results[index])
        _drain(progress_queue, on_frames)
    return [results[i] for i in range(len(jobs))]


def _drain(progress_queue: Any, on_frames: ProgressCallback) -> None:
    while True:
        try:
            frames = progress_queue.get_nowait()
        except queue.Empty:
            return
        on_frames(int(frames))


def _outcome_of(future: concurrent.futures.Future[BatchOutcome], job: BatchJob) -> BatchOutcome:
    """The job's outcome, or a failed one if its worker died (crash, out of memory)."""
    if future.cancelled():
        return BatchOutcome(
            job.input_path, job.stem, exit_code=EXIT_INTERRUPTED, status="interrupted", error="not started"
        )
    try:
        return future.result()
    except Exception as error:
        return _failed(job, f"worker died: {error}")


def _failed(job: BatchJob, error: str) -> BatchOutcome:
    return BatchOutcome(job.input_path, job.stem, exit_code=1, status="failed", error=error)


# -- Ray ------------------------------------------------------------------------------------


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayMissingError(
            f"--ray needs Ray, which is not installed; install it with: {RAY_INSTALL}"
        ) from None
    return ray


def run_ray(
    jobs: Sequence[BatchJob],
    address: str,
    on_frames: ProgressCallback,
    on_done: DoneCallback,
    *,
    local_cpus: int | None = None,
) -> list[BatchOutcome]:
    """Every job as a Ray task (one CPU each) on the cluster at `address` ("local" starts a
    private Ray instance on this machine). Inputs are read and outputs written by the tasks
    themselves, through the jobs' absolute paths: on a cluster, storage every node mounts
    at the same path."""
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address == "local":
            options["num_cpus"] = local_cpus or default_jobs()
        else:
            options["address"] = address
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise PosecheckError(
                f"Cannot reach the Ray cluster at {address} ({error}); check the address, and if "
                "the cluster checks a token (RAY_AUTH_MODE=token) set RAY_AUTH_TOKEN to it "
                "(ray get-auth-token prints it on the head node)."
            ) from None
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(analyze_one)
        refs = {task.remote(job): i for i, job in enumerate(jobs)}
        results: dict[int, BatchOutcome] = {}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                index = refs[ref]
                try:
                    outcome: BatchOutcome = ray.get(ref)
                except Exception as error:  # the task's worker died
                    outcome = _failed(jobs[index], f"Ray task failed: {error}")
                # Ray tasks report at the end: the bar moves a file at a time.
                on_frames(outcome.frames)
                results[index] = outcome
                on_done(outcome)
        return [results[i] for i in range(len(jobs))]
    finally:
        if started_here:
            ray.shutdown()

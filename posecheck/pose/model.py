"""Find the Pose Landmarker model bundle, or fetch the official one into the user cache.

Resolution order: an explicit path, then `$POSECHECK_MODEL`, then the per-user
cache, then a download from Google's model storage into that cache.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import platformdirs

from posecheck import __version__
from posecheck.errors import ModelError

MODEL_VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"

MODEL_ENV_VAR = "POSECHECK_MODEL"
CACHE_ENV_VAR = "POSECHECK_CACHE_DIR"

OFFICIAL_BASE_URL = "https://storage.googleapis.com/mediapipe-models"
DOWNLOAD_TIMEOUT_S = 30.0  # per socket operation, not for the whole file
_CHUNK_BYTES = 256 * 1024

ProgressCallback = Callable[[int, int | None], None]
"""progress(bytes_done, bytes_total): bytes_total is None when the server sends no length."""


def _check_variant(variant: str) -> str:
    name = variant.strip().lower()
    if name not in MODEL_VARIANTS:
        raise ModelError(
            f"Unknown pose model variant {variant!r}; choose one of {', '.join(MODEL_VARIANTS)}."
        )
    return name


def model_filename(variant: str = DEFAULT_VARIANT) -> str:
    """'full' -> 'pose_landmarker_full.task' (the official file name)."""
    return f"pose_landmarker_{_check_variant(variant)}.task"


def official_model_url(variant: str = DEFAULT_VARIANT, base_url: str | None = None) -> str:
    """URL of the official float16 bundle; `base_url` swaps the storage root for a mirror."""
    name = _check_variant(variant)
    root = (base_url or OFFICIAL_BASE_URL).rstrip("/")
    return f"{root}/pose_landmarker/pose_landmarker_{name}/float16/latest/{model_filename(name)}"


def cache_dir() -> Path:
    """Folder holding downloaded models (`$POSECHECK_CACHE_DIR/models` if set)."""
    root = os.environ.get(CACHE_ENV_VAR) or platformdirs.user_cache_dir("posecheck")
    return Path(root).expanduser() / "models"


def cached_model_path(variant: str = DEFAULT_VARIANT) -> Path:
    """Where the downloaded bundle of `variant` lives (it may not exist yet)."""
    return cache_dir() / model_filename(variant)


def is_task_bundle(path: Path, *, verify_crc: bool = False) -> bool:
    """True if `path` is a zip holding at least one .tflite network (what a .task file is)."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as bundle:
            if not any(name.endswith(".tflite") for name in bundle.namelist()):
                return False
            # testzip reads every member: catches a truncated or corrupted download.
            return not (verify_crc and bundle.testzip() is not None)
    except (OSError, zipfile.BadZipFile):
        return False


def _check_user_file(path: Path, origin: str) -> Path:
    """Validate a model file the user pointed at; `origin` says where the path came from."""
    if not path.exists():
        raise ModelError(
            f"The pose model {path} (from {origin}) does not exist; "
            "give the path of a MediaPipe pose_landmarker .task file."
        )
    if not path.is_file():
        raise ModelError(
            f"The pose model {path} (from {origin}) is a folder, not a file; "
            "give the path of a MediaPipe pose_landmarker .task file."
        )
    if not is_task_bundle(path):
        raise ModelError(
            f"{path} (from {origin}) is not a MediaPipe .task bundle; "
            "download the .task file again or point to another one."
        )
    return path.resolve()


def resolve_model(
    path: str | Path | None = None,
    variant: str = DEFAULT_VARIANT,
    *,
    download: bool = True,
    progress: ProgressCallback | None = None,
    base_url: str | None = None,
) -> Path:
    """Return the path of a usable pose model bundle, downloading it once if needed.

    Order: `path`, then `$POSECHECK_MODEL`, then the user cache
    (`$POSECHECK_CACHE_DIR` overrides its root), then a download into the cache
    unless `download` is False. Raises ModelError with what to do otherwise.
    """
    name = _check_variant(variant)
    if path is not None and str(path) != "":
        return _check_user_file(Path(path).expanduser(), "--model")

    env_path = os.environ.get(MODEL_ENV_VAR)
    if env_path:
        return _check_user_file(Path(env_path).expanduser(), f"${MODEL_ENV_VAR}")

    cached = cached_model_path(name)
    if cached.is_file() and is_task_bundle(cached):
        return cached

    url = official_model_url(name, base_url)
    if not download:
        state = "is corrupt" if cached.exists() else "is not downloaded yet"
        raise ModelError(
            f"The {name} pose model {state} at {cached}; allow the download, or fetch "
            f"{url} by hand and pass --model PATH or set {MODEL_ENV_VAR}."
        )
    return download_model(url, cached, progress=progress)


def download_model(
    url: str,
    dest: Path,
    *,
    progress: ProgressCallback | None = None,
    timeout_s: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Download `url` to `dest` atomically: a failed or interrupted run leaves no file at `dest`."""
    manual = f"download {url} by hand and pass --model PATH or set {MODEL_ENV_VAR}"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as dest so os.replace is a rename on one file system (atomic).
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise ModelError(
            f"Cannot write the model cache at {dest.parent} ({exc.strerror or exc}); "
            f"set {CACHE_ENV_VAR} to a writable folder, or {manual}."
        ) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                _stream(url, out, progress, timeout_s, manual)
            except _WriteError as exc:
                raise exc.cause from exc
            out.flush()
            os.fsync(out.fileno())  # the rename must never expose unwritten data
        if not is_task_bundle(tmp, verify_crc=True):
            raise ModelError(f"The file downloaded from {url} is not a MediaPipe .task bundle; {manual}.")
        os.replace(tmp, dest)
    except OSError as exc:
        raise ModelError(
            f"Cannot save the pose model to {dest} ({exc.strerror or exc}); "
            f"set {CACHE_ENV_VAR} to a writable folder, or {manual}."
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest


class _WriteError(Exception):
    """A local disk error while streaming, kept apart from network errors (both are OSError)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _stream(
    url: str,
    out: BinaryIO,
    progress: ProgressCallback | None,
    timeout_s: float,
    manual: str,
) -> None:
    """Copy the HTTP body of `url` into `out`, turning every network failure into ModelError."""

    def write(chunk: bytes) -> None:
        try:
            out.write(chunk)
        except OSError as exc:
            raise _WriteError(exc) from exc

    # Imported here: urllib loads ssl (~0.1-0.3 s), which only a download needs.
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": f"posecheck/{__version__}"})
    bytes_done = 0
    bytes_total: int | None = None
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            bytes_total = int(length) if length and length.isdigit() else None
            if progress is not None:
                progress(0, bytes_total)
            while chunk := response.read(_CHUNK_BYTES):
                write(chunk)
                bytes_done += len(chunk)
                if progress is not None:
                    progress(bytes_done, bytes_total)
    except urllib.error.HTTPError as exc:
        raise ModelError(
            f"Downloading the pose model failed with HTTP {exc.code} ({exc.reason}); {manual}."
        ) from exc
    except urllib.error.URLError as exc:
        raise ModelError(f"Cannot reach {url} to download the pose model ({exc.reason}); {manual}.") from exc
    except (http.client.HTTPException, OSError) as exc:  # reset, timeout, ... mid-body
        raise ModelError(
            f"The pose model download from {url} broke off ({type(exc).__name__}); {manual}."
        ) from exc
    if bytes_total is not None and bytes_done != bytes_total:
        raise ModelError(
            f"The pose model download from {url} stopped after {bytes_done} of "
            f"{bytes_total} bytes; try again, or {manual}."
        )

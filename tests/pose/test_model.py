"""Model resolution and download, against a local HTTP server (never the internet)."""

from __future__ import annotations

import http.server
import io
import random
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from posecheck.errors import ModelError
from posecheck.pose import model
from posecheck.pose.model import (
    MODEL_VARIANTS,
    cache_dir,
    cached_model_path,
    is_task_bundle,
    official_model_url,
    resolve_model,
)


def _fake_bundle_bytes() -> bytes:
    """A zip shaped like a .task bundle (enough for the checks; MediaPipe would reject it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        # Incompressible payload, larger than a read chunk, so the download takes several reads.
        bundle.writestr("pose_detector.tflite", random.Random(0).randbytes(600_000))
    return buffer.getvalue()


BUNDLE = _fake_bundle_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    """First path segment picks the behaviour: ok, die, nolength, garbage; anything else is 404."""

    timeout = 5.0  # a stuck client cannot hold a server thread for long
    server: _Server

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        behaviour = self.path.strip("/").split("/", 1)[0]
        if behaviour == "ok":
            self._send(BUNDLE, len(BUNDLE))
        elif behaviour == "die":
            # Promise the whole file, send half, hang up: an interrupted download.
            self._send(BUNDLE[: len(BUNDLE) // 2], len(BUNDLE))
            self.close_connection = True
        elif behaviour == "nolength":
            self._send(BUNDLE[: len(BUNDLE) // 2], None)
            self.close_connection = True
        elif behaviour == "garbage":
            body = b"<html>captive portal</html>"
            self._send(body, len(body))
        else:
            self.send_error(404, "Not Found")

    def _send(self, body: bytes, length: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    hits: list[str]

    def base_url(self, behaviour: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/{behaviour}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.hits = []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


@pytest.fixture
def dead_url() -> str:
    """A local port with nothing listening: any request is refused at once (offline)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test gets its own empty cache and no $POSECHECK_MODEL from the developer's shell."""
    monkeypatch.delenv(model.MODEL_ENV_VAR, raising=False)
    monkeypatch.setenv(model.CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "my_model.task"
    path.parent.mkdir()
    path.write_bytes(BUNDLE)
    return path


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_official_url_pattern() -> None:
    assert official_model_url("full") == (
        "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        "pose_landmarker_full/float16/latest/pose_landmarker_full.task"
    )
    for variant in MODEL_VARIANTS:
        assert official_model_url(variant).endswith(f"/pose_landmarker_{variant}.task")
    assert official_model_url("lite", "http://mirror/x/").startswith("http://mirror/x/pose_landmarker/")


def test_cache_dir_follows_env(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir() == isolated_env / "models"
    assert cached_model_path("heavy") == isolated_env / "models" / "pose_landmarker_heavy.task"
    monkeypatch.delenv(model.CACHE_ENV_VAR)
    assert "posecheck" in str(cache_dir())


def test_download_then_cached_without_network(server: _Server, dead_url: str) -> None:
    calls: list[tuple[int, int | None]] = []
    path = resolve_model(base_url=server.base_url("ok"), progress=lambda d, t: calls.append((d, t)))

    assert path == cached_model_path("full")
    assert path.read_bytes() == BUNDLE
    assert len(server.hits) == 1
    assert server.hits[0].endswith("/float16/latest/pose_landmarker_full.task")
    assert calls[0] == (0, len(BUNDLE))
    assert calls[-1] == (len(BUNDLE), len(BUNDLE))
    assert len(calls) > 2  # streamed in chunks, not one read
    assert _files_in(path.parent) == [path.name]  # no temp file left behind

    # Second time: straight from the cache, even with the network gone or forbidden.
    assert resolve_model(base_url=dead_url) == path
    assert resolve_model(download=False) == path
    assert len(server.hits) == 1


def test_other_variant_has_its_own_cache_file(server: _Server) -> None:
    path = resolve_model(variant="lite", base_url=server.base_url("ok"))
    assert path.name == "pose_landmarker_lite.task"
    assert server.hits[0].endswith("/pose_landmarker_lite/float16/latest/pose_landmarker_lite.task")


def test_interrupted_download_leaves_no_file(server: _Server) -> None:
    with pytest.raises(ModelError, match=r"stopped after \d+ of \d+ bytes"):
        resolve_model(base_url=server.base_url("die"))
    assert not cached_model_path("full").exists()
    assert _files_in(cache_dir()) == []


def test_truncated_download_without_length_is_rejected(server: _Server) -> None:
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        resolve_model(base_url=server.base_url("nolength"))
    assert _files_in(cache_dir()) == []


def test_download_that_is_not_a_bundle_is_rejected(server: _Server) -> None:
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        resolve_model(base_url=server.base_url("garbage"))
    assert _files_in(cache_dir()) == []


def test_http_404_names_the_manual_route(server: _Server) -> None:
    url = official_model_url("full", server.base_url("missing"))
    with pytest.raises(ModelError) as info:
        resolve_model(base_url=server.base_url("missing"))
    message = str(info.value)
    assert "HTTP 404" in message
    assert url in message
    assert "--model PATH" in message
    assert "POSECHECK_MODEL" in message
    assert _files_in(cache_dir()) == []


def test_offline_names_the_manual_route(dead_url: str) -> None:
    with pytest.raises(ModelError) as info:
        resolve_model(base_url=dead_url)
    message = str(info.value)
    assert official_model_url("full", dead_url) in message
    assert "--model PATH" in message
    assert "POSECHECK_MODEL" in message


def test_no_download_allowed_and_not_cached() -> None:
    with pytest.raises(ModelError, match="not downloaded yet"):
        resolve_model(download=False)


def test_corrupt_cache_file_is_replaced(server: _Server) -> None:
    cached = cached_model_path("full")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a file")
    with pytest.raises(ModelError, match="is corrupt"):
        resolve_model(download=False)
    assert resolve_model(base_url=server.base_url("ok")) == cached
    assert cached.read_bytes() == BUNDLE


def test_env_var_model(
    bundle_file: Path, monkeypatch: pytest.MonkeyPatch, dead_url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv(model.MODEL_ENV_VAR, str(bundle_file))
    assert resolve_model(base_url=dead_url) == bundle_file.resolve()

    # An explicit path still wins over the environment.
    other = tmp_path / "other.task"
    other.write_bytes(BUNDLE)
    assert resolve_model(other, base_url=dead_url) == other.resolve()


def test_env_var_model_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nope.task"
    monkeypatch.setenv(model.MODEL_ENV_VAR, str(missing))
    with pytest.raises(ModelError, match=r"POSECHECK_MODEL") as info:
        resolve_model()
    assert str(missing) in str(info.value)


def test_explicit_path(bundle_file: Path, dead_url: str) -> None:
    assert resolve_model(str(bundle_file), base_url=dead_url) == bundle_file.resolve()


def test_explicit_path_missing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.task"
    with pytest.raises(ModelError, match="does not exist") as info:
        resolve_model(missing)
    assert str(missing) in str(info.value)


def test_explicit_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="folder"):
        resolve_model(tmp_path)


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_explicit_path_not_a_bundle(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.task"
    bad.write_bytes(content)
    with pytest.raises(ModelError, match=r"is not a MediaPipe \.task bundle") as info:
        resolve_model(bad)
    assert str(bad) in str(info.value)


def test_zip_without_networks_is_not_a_bundle(tmp_path: Path) -> None:
    bad = tmp_path / "readme.task"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("README.txt", "hello")
    assert not is_task_bundle(bad)
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        resolve_model(bad)


def test_unknown_variant_lists_the_variants() -> None:
    with pytest.raises(ModelError) as info:
        resolve_model(variant="ultra")
    message = str(info.value)
    assert "'ultra'" in message
    for variant in MODEL_VARIANTS:
        assert variant in message
    with pytest.raises(ModelError):
        official_model_url("ultra")

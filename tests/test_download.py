"""Tests for srkit.download, against a local HTTP server on 127.0.0.1 only (never the internet)."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from srkit import download as dl

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3  # not real images; only bytes matter here
BMP = b"BM" + bytes(reversed(range(256))) * 2
PAYLOAD = bytes(range(256)) * 400  # 100 KiB: spans several read blocks


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- a tiny local server
@dataclass
class ServerState:
    files: dict[str, bytes] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)  # path -> range | norange | truncate | truncate_once
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    bytes_sent: int = 0


class Handler(BaseHTTPRequestHandler):
    """Serves ``state.files``; ``state.modes`` chooses how each path misbehaves."""

    def log_message(self, *args) -> None:  # keep pytest output quiet
        pass

    def do_GET(self) -> None:
        state: ServerState = self.server.state  # type: ignore[attr-defined]
        path, wanted = self.path, self.headers.get("Range")
        first = all(p != path for p, _ in state.requests)
        state.requests.append((path, wanted))
        data = state.files.get(path)
        if data is None:
            self.send_error(404)
            return
        mode = state.modes.get(path, "range")
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", wanted or "")
        if match and mode in ("range", "truncate_once"):
            start = int(match.group(1))
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "truncate" or (mode == "truncate_once" and first):
            body = body[: len(body) // 2]  # announce everything, send half, hang up (HTTP/1.0)
        state.bytes_sent += len(body)  # counted before writing, so the client cannot race ahead
        self.wfile.write(body)


@pytest.fixture(autouse=True)
def no_proxy_no_wait(monkeypatch):
    """Talk to 127.0.0.1 directly, whatever proxy the machine has; do not sleep between retries."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(dl, "RETRY_BACKOFF_S", 0.0)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.state = ServerState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


# --------------------------------------------------------------------------- tiny archives
def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def make_targz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            bundle.addfile(info)
    return buffer.getvalue()


TINY = {"Tiny/HR/a.png": PNG, "Tiny/HR/b_GT.bmp": BMP, "Tiny/readme.txt": b"tiny"}


def tiny_entry(url: str, data: bytes, **overrides) -> dl.Dataset:
    fields = dict(
        name="tiny",
        urls=(url,),
        sha256=sha(data),
        size=len(data),
        archive="zip",
        folder="tiny",
        image_dir="Tiny/HR",
        manifest={"b_GT.bmp": sha(BMP)},
    )
    fields.update(overrides)
    return dl.Dataset(**fields)


# --------------------------------------------------------------------------- download(): the whole path
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_download_extracts_verifies_and_is_idempotent(server, tmp_path, kind):
    data = make_zip(TINY) if kind == "zip" else make_targz(TINY)
    server.state.files[f"/tiny.{kind}"] = data
    entry = tiny_entry(server.url + f"/tiny.{kind}", data, archive=kind)
    registry = {"tiny": entry}

    images = dl.download("tiny", root=tmp_path, registry=registry, progress=False)

    assert images == tmp_path / "tiny" / "Tiny" / "HR"
    assert (images / "a.png").read_bytes() == PNG and (images / "b_GT.bmp").read_bytes() == BMP
    assert len(server.state.requests) == 1
    assert not (tmp_path / "downloads" / f"tiny.{kind}").exists()  # archive removed after unpacking
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left

    again = dl.download("TINY", root=tmp_path, registry=registry, progress=False)
    assert again == images
    assert len(server.state.requests) == 1  # second call: no HTTP at all

    dl.download("tiny", root=tmp_path, registry=registry, progress=False, force=True)
    assert len(server.state.requests) == 2


def test_manifest_mismatch_leaves_nothing_in_place(server, tmp_path):
    data = make_zip(TINY)
    server.state.files["/tiny.zip"] = data
    entry = tiny_entry(server.url + "/tiny.zip", data, manifest={"b_GT.bmp": sha(b"other bytes")})

    with pytest.raises(dl.ChecksumError, match=r"b_GT\.bmp.*expected .*got " + sha(BMP)):
        dl.download("tiny", root=tmp_path, registry={"tiny": entry}, progress=False)
    assert not (tmp_path / "tiny").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tiny")]


def test_manifest_only_checks_files_it_names_and_finds(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.png").write_bytes(PNG)
    assert dl.verify_manifest(tmp_path, {"x.png": sha(PNG), "absent.png": "0" * 64}) == 1
    assert dl.verify_manifest(tmp_path, {}) == 0


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        dl.download("set6")
    for name in ("set5", "set14", "b100", "urban100", "div2k_train_hr", "div2k_valid_lr_x4"):
        assert name in str(info.value)


def test_unverified_entries_need_explicit_consent(server, tmp_path):
    data = make_zip(TINY)
    server.state.files["/tiny.zip"] = data
    registry = {"tiny": tiny_entry(server.url + "/tiny.zip", data, sha256=None)}
    with pytest.raises(dl.DownloadError, match="no published SHA-256.*allow_unverified=True"):
        dl.download("tiny", root=tmp_path, registry=registry, progress=False)
    assert server.state.requests == []
    images = dl.download("tiny", root=tmp_path, registry=registry, progress=False, allow_unverified=True)
    assert (images / "a.png").exists()


def test_register_adds_to_the_global_registry(monkeypatch, server, tmp_path):
    monkeypatch.setattr(dl, "REGISTRY", dict(dl.REGISTRY))
    data = make_zip(TINY)
    server.state.files["/tiny.zip"] = data
    dl.register(tiny_entry(server.url + "/tiny.zip", data))
    with pytest.raises(ValueError, match="already registered"):
        dl.register(tiny_entry(server.url + "/tiny.zip", data))
    assert "tiny" in dl.list_datasets()
    assert (dl.download("tiny", root=tmp_path, progress=False) / "a.png").exists()


# --------------------------------------------------------------------------- fetch(): one file
def test_fetch_returns_existing_verified_file_without_network(tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(PAYLOAD)
    assert dl.fetch("http://127.0.0.1:9/never", sha256=sha(PAYLOAD), dest=dest, progress=False) == dest


def test_truncated_body_is_retried_then_fails_cleanly(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    server.state.modes["/f.bin"] = "truncate"
    dest = tmp_path / "f.bin"
    with pytest.raises(dl.DownloadError) as info:
        dl.fetch(server.url + "/f.bin", sha256=sha(PAYLOAD), dest=dest, progress=False, retries=2)
    message = str(info.value)
    assert server.url + "/f.bin" in message and "truncated" in message
    assert re.search(r"received \d+ of \d+ bytes", message)
    assert len(server.state.requests) == 3  # 1 try + 2 retries
    assert leftovers(tmp_path) == []  # neither dest nor dest.part


def test_truncated_body_is_resumed_on_retry(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    server.state.modes["/f.bin"] = "truncate_once"
    dest = dl.fetch(server.url + "/f.bin", sha256=sha(PAYLOAD), dest=tmp_path / "f.bin", progress=False)
    assert dest.read_bytes() == PAYLOAD
    (_, first), (_, second) = server.state.requests
    assert first is None and second == f"bytes={len(PAYLOAD) // 2}-"
    assert server.state.bytes_sent == len(PAYLOAD)  # the first half was not sent twice


def test_wrong_checksum_names_both_digests_and_leaves_nothing(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    wanted = sha(b"the file we expected")
    with pytest.raises(dl.ChecksumError) as info:
        dl.fetch(server.url + "/f.bin", sha256=wanted, dest=tmp_path / "f.bin", progress=False, retries=1)
    message = str(info.value)
    assert wanted in message and sha(PAYLOAD) in message and server.url + "/f.bin" in message
    assert isinstance(info.value, RuntimeError)
    assert len(server.state.requests) == 2
    assert leftovers(tmp_path) == []


def test_wrong_size_is_reported_in_bytes(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    with pytest.raises(dl.ChecksumError, match=rf"received {len(PAYLOAD)} bytes, expected {len(PAYLOAD) + 1}"):
        dl.fetch(
            server.url + "/f.bin",
            sha256=sha(PAYLOAD),
            dest=tmp_path / "f.bin",
            size=len(PAYLOAD) + 1,
            progress=False,
            retries=0,
        )
    assert leftovers(tmp_path) == []


def test_existing_dest_with_wrong_checksum_is_replaced(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"stale")
    dl.fetch(server.url + "/f.bin", sha256=sha(PAYLOAD), dest=dest, progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_part_file_is_resumed_with_range(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    have = 12345
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:have])
    dl.fetch(server.url + "/f.bin", sha256=sha(PAYLOAD), dest=dest, progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.state.requests == [("/f.bin", f"bytes={have}-")]
    assert server.state.bytes_sent == len(PAYLOAD) - have  # only the remainder travelled
    assert leftovers(tmp_path) == ["f.bin"]


def test_server_without_range_support_restarts_cleanly(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    server.state.modes["/f.bin"] = "norange"
    dest = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(b"X" * 5000)  # wrong bytes: appending would corrupt
    dl.fetch(server.url + "/f.bin", sha256=sha(PAYLOAD), dest=dest, progress=False, retries=0)
    assert dest.read_bytes() == PAYLOAD
    assert len(server.state.requests) == 1 and server.state.bytes_sent == len(PAYLOAD)


def test_checksum_mismatch_at_the_right_size_is_not_retried(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    wanted = sha(b"the file we expected")
    with pytest.raises(dl.ChecksumError) as info:
        dl.fetch(
            server.url + "/f.bin", sha256=wanted, dest=tmp_path / "f.bin", size=len(PAYLOAD), progress=False, retries=2
        )
    message = str(info.value)
    assert wanted in message and sha(PAYLOAD) in message
    assert "would give the same bytes" in message and "another mirror" in message
    assert len(server.state.requests) == 1  # not 1 + 2 retries of the same bytes
    assert leftovers(tmp_path) == []  # neither dest nor dest.part


def test_stale_part_of_the_right_size_is_downloaded_again_once(server, tmp_path):
    server.state.files["/f.bin"] = PAYLOAD
    (tmp_path / "f.bin.part").write_bytes(b"X" * len(PAYLOAD))  # e.g. left by an older, corrupted run
    with pytest.raises(dl.ChecksumError, match="would give the same bytes"):
        dl.fetch(
            server.url + "/f.bin",
            sha256=sha(b"other"),
            dest=tmp_path / "f.bin",
            size=len(PAYLOAD),
            progress=False,
            retries=2,
        )
    assert server.state.requests == [("/f.bin", None)]  # the stale part dropped, one whole download
    assert leftovers(tmp_path) == []


def test_bad_mirror_is_left_after_one_download(server, tmp_path):
    good, bad = make_zip(TINY), make_zip({**TINY, "Tiny/readme.txt": b"TINY"})
    assert len(good) == len(bad)
    server.state.files.update({"/bad/tiny.zip": bad, "/good/tiny.zip": good})
    entry = tiny_entry(
        server.url + "/bad/tiny.zip", good, urls=(server.url + "/bad/tiny.zip", server.url + "/good/tiny.zip")
    )
    images = dl.download("tiny", root=tmp_path, registry={"tiny": entry}, progress=False, retries=2)
    assert (images / "a.png").read_bytes() == PNG
    assert [path for path, _ in server.state.requests] == ["/bad/tiny.zip", "/good/tiny.zip"]


def test_http_404_is_not_retried(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="404"):
        dl.fetch(server.url + "/missing", sha256="0" * 64, dest=tmp_path / "m", progress=False)
    assert len(server.state.requests) == 1
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- extract(): refuses escapes
@pytest.mark.parametrize("name", ["../evil.txt", "ok/../../evil.txt", "/tmp/srkit-evil.txt"])
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_path_traversal_is_refused(tmp_path, name, kind):
    members = {"fine/a.png": PNG, name: b"pwned"}
    archive = tmp_path / f"bad.{kind}"
    archive.write_bytes(make_zip(members) if kind == "zip" else make_targz(members))
    with pytest.raises(dl.UnsafeArchiveError, match="refusing"):
        dl.extract(archive, tmp_path / "out" / "dest")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "dest").exists()
    assert leftovers(tmp_path / "out") == []


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside", "sub/../../../x"])
def test_links_pointing_outside_are_refused(tmp_path, target):
    archive = tmp_path / "links.tar.gz"
    archive.write_bytes(make_targz({"d/a.png": PNG}, links={"d/link": target}))
    with pytest.raises(dl.UnsafeArchiveError, match="refusing link"):
        dl.extract(archive, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def make_chain_tar(path: Path) -> Path:
    """Each link passes a textual check, yet ``l/escaped.txt`` lands beside the extraction folder."""
    with tarfile.open(path, "w") as bundle:
        for name, target in [("d/e", ".."), ("l", "d/e/..")]:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            bundle.addfile(info)
        info = tarfile.TarInfo("l/escaped.txt")
        info.size = 5
        bundle.addfile(info, io.BytesIO(b"pwned"))
    return path


@pytest.mark.parametrize("data_filter", [True, False], ids=["data_filter", "no_data_filter"])
def test_symlink_chain_cannot_escape(tmp_path, monkeypatch, data_filter):
    if not data_filter:  # Python < 3.10.12 / 3.11.4: plain extractall
        monkeypatch.delattr(tarfile, "data_filter")
    archive = make_chain_tar(tmp_path / "chain.tar")
    with pytest.raises(dl.UnsafeArchiveError, match="refusing link.*contain none"):
        dl.extract(archive, tmp_path / "out" / "dest")
    assert leftovers(tmp_path / "out") == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_data_filter_refusals_are_unsafe_archive_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(dl, "_refuse_link", lambda *args: None, raising=False)  # as if srkit's check missed it
    archive = make_chain_tar(tmp_path / "chain.tar")
    with pytest.raises(dl.UnsafeArchiveError, match="outside the destination"):
        dl.extract(archive, tmp_path / "out" / "dest")
    assert leftovers(tmp_path / "out") == []
    assert not list(tmp_path.rglob("escaped.txt"))


def zip_with_symlink(name: str, target: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("d/a.png", PNG)
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o120777 << 16
        bundle.writestr(info, target)
    return buffer.getvalue()


def tar_with_hardlink(name: str, target: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as bundle:
        info = tarfile.TarInfo("d/a.png")
        info.size = len(PNG)
        bundle.addfile(info, io.BytesIO(PNG))
        info = tarfile.TarInfo(name)
        info.type, info.linkname = tarfile.LNKTYPE, target
        bundle.addfile(info)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["tar symlink", "tar hardlink", "zip symlink"])
def test_links_are_refused_even_inside_the_archive(tmp_path, kind):
    data = {
        "tar symlink": lambda: make_targz({"d/a.png": PNG}, links={"d/alias.png": "a.png"}),
        "tar hardlink": lambda: tar_with_hardlink("d/alias.png", "d/a.png"),
        "zip symlink": lambda: zip_with_symlink("d/alias.png", "a.png"),
    }[kind]()
    archive = tmp_path / ("links.zip" if kind.startswith("zip") else "links.tar")
    archive.write_bytes(data)
    with pytest.raises(dl.UnsafeArchiveError, match=r"refusing link 'd/alias\.png'.*contain none"):
        dl.extract(archive, tmp_path / "out" / "dest")
    assert leftovers(tmp_path / "out") == []


def test_command_line_reports_unsafe_archive_without_traceback(server, tmp_path, monkeypatch, capsys):
    data = make_chain_tar(tmp_path / "chain.tar").read_bytes()
    server.state.files["/chain.tar"] = data
    monkeypatch.setattr(dl, "REGISTRY", {"tiny": tiny_entry(server.url + "/chain.tar", data, archive="tar")})
    assert dl.main(["tiny", "--root", str(tmp_path / "data")]) == 1
    assert "error: refusing" in capsys.readouterr().out
    assert not list(tmp_path.rglob("escaped.txt"))


def test_failed_check_keeps_the_previous_extraction(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(make_zip({"x.png": PNG}))
    dest = dl.extract(archive, tmp_path / "dest")

    def refuse(tmp: Path) -> None:
        assert (tmp / "y.png").exists()
        raise RuntimeError("interrupted")

    archive.write_bytes(make_zip({"y.png": PNG}))
    with pytest.raises(RuntimeError, match="interrupted"):
        dl.extract(archive, dest, check=refuse)
    assert leftovers(tmp_path / "dest") == ["x.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "dest"]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"])
def test_truncated_archive_is_a_clear_error(tmp_path, mode):
    # possible only where no SHA-256 was checked (allow_unverified): a clear error, and nothing left behind
    import random

    body = random.Random(0).randbytes(100_000)  # incompressible, so half the file cuts into the member
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        info = tarfile.TarInfo("x/img.png")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    archive = tmp_path / "a.tar"
    archive.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(dl.DownloadError, match="damaged or incomplete archive"):
        dl.extract(archive, tmp_path / "dest")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar"]


# --------------------------------------------------------------------------- data_dir() and the registry
def test_data_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SRKIT_DATA", str(tmp_path / "elsewhere"))
    assert dl.data_dir() == tmp_path / "elsewhere"


def test_data_dir_without_env_is_checkout_or_cache(monkeypatch):
    monkeypatch.delenv("SRKIT_DATA", raising=False)
    checkout = Path(dl.__file__).resolve().parents[1] / "data"
    assert dl.data_dir() in (checkout, Path.home() / ".cache" / "srkit")


def test_builtin_registry_is_pinned_and_sourced():
    hexdigest = re.compile(r"[0-9a-f]{64}")
    for name in dl.list_datasets():
        entry = dl.REGISTRY[name]
        assert entry.sha256 is None or hexdigest.fullmatch(entry.sha256), name
        assert entry.checksum_source and entry.citation, name
        assert all(url.startswith(("https://", "http://")) for url in entry.urls), name
        assert entry.archive in ("zip", "tar", "tar.gz"), name
        assert all(hexdigest.fullmatch(d) for d in entry.manifest.values()), name
    assert dl.REGISTRY["div2k_train_hr"].size == 3530603713
    assert dl.REGISTRY["set5"].manifest


def test_set5_manifest_matches_the_srcnn_release(set5_root):
    assert dl.verify_manifest(set5_root / "Set5", dl.REGISTRY["set5"].manifest) == 5


def test_local_and_command_line(tmp_path, capsys):
    assert dl.local("set5", root=tmp_path) is None
    assert dl.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "div2k_train_hr" in out and "urban100" in out

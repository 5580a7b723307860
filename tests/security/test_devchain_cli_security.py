"""`hemi devchain` from the shell: the --quiet bitcoin URL carries working credentials, the cookie file is in the
data dir (mode 0600) while the devchain runs and gone after SIGTERM; the banner shows the bound address, the
allowed origins and the cookie, and warns about --allow-origin '*'."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str, env_extra: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1", **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--accounts", "1", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def lines_until(proc: subprocess.Popen, needle: str, timeout: float = 60) -> list[str]:
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(line.rstrip("\n"))
        if needle in line:
            return out
    raise AssertionError(f"{needle!r} not in {out}")


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err, err
    return out


def test_quiet_url_has_working_credentials_and_the_cookie_lives_with_the_devchain(tmp_path):
    import bitcoin
    import bitcoin.rpc

    btc_port = free_port()
    proc = start("--port", "0", "--btc-port", str(btc_port), "--quiet", "--data-dir", str(tmp_path))
    try:
        lines = lines_until(proc, "bitcoin ")
        url = lines[-1].split(" ", 1)[1]
        assert url.startswith("http://__cookie__:") and url.endswith(f"@127.0.0.1:{btc_port}")
        cookie = Path(tmp_path) / ".cookie"
        assert stat.S_IMODE(cookie.stat().st_mode) == 0o600
        assert cookie.read_text() == url[len("http://"):].split("@")[0]
        bitcoin.SelectParams("regtest")
        assert bitcoin.rpc.Proxy(service_url=url).getblockcount() >= 0
    finally:
        if proc.poll() is None:
            stop(proc)
    assert not cookie.exists() and tmp_path.exists()  # the given directory stays


def test_banner_shows_binding_origins_cookie_and_warns_for_star(tmp_path):
    btc_port = free_port()
    proc = start("--port", "0", "--btc-port", str(btc_port), "--allow-origin", "*",
                 env_extra={"HEMI_DATA_DIR": str(tmp_path)})
    try:
        banner = "\n".join(lines_until(proc, "Ctrl-C to stop"))
    finally:
        stop(proc)
    assert "Bound 127.0.0.1" in banner
    assert "Allowed origins *" in banner and "every web page" in banner
    assert str(tmp_path / f"devchain-{btc_port}" / ".cookie") in banner


def test_default_banner_lists_loopback_origins_and_no_warning(tmp_path):
    proc = start("--port", "0", "--no-btc-rpc", env_extra={"HEMI_DATA_DIR": str(tmp_path)})
    try:
        banner = "\n".join(lines_until(proc, "Ctrl-C to stop"))
    finally:
        stop(proc)
    assert "http://localhost:*" in banner and "https://127.0.0.1:*" in banner
    assert "Warning" not in banner and "cookie" not in banner


def test_default_data_dir_is_per_port_and_removed_when_it_was_created(tmp_path):
    btc_port = free_port()
    proc = start("--port", "0", "--btc-port", str(btc_port), "--quiet", env_extra={"HEMI_DATA_DIR": str(tmp_path)})
    try:
        lines_until(proc, "bitcoin ")
        assert (tmp_path / f"devchain-{btc_port}" / ".cookie").exists()
    finally:
        stop(proc)
    assert not (tmp_path / f"devchain-{btc_port}").exists()


def test_the_open_files_limit_is_raised_to_the_hard_one():
    """With the soft limit at 256 (macOS's default; Linux's is 1,024) a script that leaked that many idle keep-alive
    connections locked every client out for two minutes; the CLI raises it to the hard limit, as servers do."""
    import resource

    def low() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096))

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--accounts", "1", "--port", "0",
                             "--no-btc-rpc", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=low)
    try:
        lines_until(proc, "bitcoin ")
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max open files"))
        assert line.split()[3:5] == ["4096", "4096"]
    finally:
        stop(proc)

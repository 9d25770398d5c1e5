"""Process helpers for the CKAN harness: run commands, start children, stop them by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any


def run(cmd: list[str], **kwargs: Any) -> str:
    """Run a command; on failure raise with its output (CKAN commands are chatty)."""
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float, proc: subprocess.Popen[bytes], logfile: Path) -> None:
    """Wait until ``url`` answers 200; fail early with the log if the process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}); log:\n{logfile.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"timeout waiting for {url}; log:\n{logfile.read_text()[-3000:]}")


CLOSE_WAIT = "08"  # the state's number in /proc/net/tcp


def requests_in_flight(port: int) -> int:
    """Connections to ``port`` whose client has closed while the server still holds them open.

    That is CLOSE_WAIT on the server's side: a killed client's request that CKAN is still
    handling (it closes the connection once the handler returns), or has yet to accept.
    """
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    fields = (line.split() for line in lines)
    return sum(1 for f in fields if int(f[1].split(":")[1], 16) == port and f[3] == CLOSE_WAIT)


def wait_until_served(port: int, seconds: float = 60) -> None:
    """Wait until the server on ``port`` has finished every request whose client is gone."""
    deadline = time.monotonic() + seconds
    while requests_in_flight(port):
        if time.monotonic() > deadline:
            raise AssertionError(f"a request to port {port} was still being handled after {seconds} s")
        time.sleep(0.05)


def spawn(cmd: list[str], logfile: Path) -> subprocess.Popen[bytes]:
    """Start a child in its own session (so a Ctrl-C meant for pytest does not hit it)."""
    out = logfile.open("ab")
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child counts as stopped
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def terminate(pid: int) -> None:
    """SIGTERM one recorded PID, SIGKILL it after 10 s; reap it if it is our child."""
    if not alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        if not alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)

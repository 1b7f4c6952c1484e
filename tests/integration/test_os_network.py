"""The OS closes the network: a connect from native code (libc through ctypes, which no Python
guard sees) is refused once `restrict_network()` has run, while loopback still works."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A C-level connect: socket(2) and connect(2) from libc, no Python socket object involved.
NATIVE = textwrap.dedent(
    """
    import ctypes, ctypes.util, socket, struct

    def native_connect(host, port):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        addr = struct.pack("!HH4s8x", socket.AF_INET, port, socket.inet_aton(host))
        # sockaddr_in: family is host order on Linux
        addr = struct.pack("=H", socket.AF_INET) + addr[2:]
        rc = libc.connect(fd, ctypes.c_char_p(addr), len(addr))
        err = ctypes.get_errno() if rc != 0 else 0
        libc.close(fd)
        return err
    """
)

CHILD = NATIVE + textwrap.dedent(
    """
    import json, sys, threading
    from desktop.privacy.osnet import restrict_network
    restriction = restrict_network()
    host, port = sys.argv[1], int(sys.argv[2])
    outside = native_connect(host, port)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    loop = native_connect("127.0.0.1", server.getsockname()[1])
    print(json.dumps({"applied": restriction.applied, "kind": restriction.kind,
                      "detail": restriction.detail, "outside": outside, "loopback": loop}))
    """
)


def host_address() -> str | None:
    """A non-loopback IPv4 address of this machine (None when it has none)."""
    for _index, name in socket.if_nameindex():
        if name == "lo":
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                raw = fcntl.ioctl(s, 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue
        return socket.inet_ntoa(raw[20:24])
    return None


def native_connect(host: str, port: int) -> int:
    scope: dict[str, object] = {}
    exec(NATIVE, scope)
    return int(scope["native_connect"](host, port))  # type: ignore[operator]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the namespace is Linux only")
def test_native_connect_is_refused_by_the_os() -> None:
    host = host_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address to aim at")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("0.0.0.0", 0))
    server.listen(4)
    port = server.getsockname()[1]
    try:
        # Without the restriction the same native connect reaches the host's address.
        assert native_connect(host, port) == 0
        done = subprocess.run(
            [sys.executable, "-c", CHILD, host, str(port)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.close()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    if not result["applied"]:
        pytest.skip(f"the OS restriction is not available here: {result['detail']}")
    assert result["kind"] == "netns"
    assert result["outside"] in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED)
    assert result["outside"] == errno.ENETUNREACH
    assert result["loopback"] == 0  # a local Ray batch still has its loopback


def test_restriction_refuses_a_multithreaded_process() -> None:
    script = textwrap.dedent(
        """
        import threading, time, json
        threading.Thread(target=time.sleep, args=(2,), daemon=True).start()
        from desktop.privacy.osnet import restrict_network
        r = restrict_network()
        print(json.dumps([r.applied, r.detail]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    applied, detail = json.loads(done.stdout)
    assert applied is False and "threads" in detail


def test_parley_entry_points_close_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """`parley` and `python -m desktop.app_main` both go through the OS restriction and the
    guard (checked in-process with the restriction itself replaced: it is process-wide)."""
    import desktop.app_main as app_main
    from desktop.privacy import keys, netguard, osnet

    # The entry points move the passphrase out of the environment into memory; keep that
    # memory to this test (monkeypatch restores the environment itself).
    monkeypatch.setattr(keys, "_taken_from_env", {})

    calls: list[str] = []
    seen: list[bool] = []

    def fake_restrict() -> osnet.Restriction:
        calls.append("os")
        return osnet.Restriction(False, "none", "replaced in this test")

    def fake_app(argv: list[str]) -> int:
        seen.append(bool(netguard._active))
        return 0

    monkeypatch.setattr(osnet, "restrict_network", fake_restrict)
    monkeypatch.setattr(app_main, "run_app", fake_app)
    monkeypatch.setattr(sys, "argv", ["app_main"])
    before = list(netguard._active)
    try:
        assert app_main.main() == 0
    finally:  # the app keeps its guard for the process's life; this test gives it back
        for guard in [g for g in netguard._active if g not in before]:
            netguard.uninstall(guard)
    assert calls == ["os"] and seen == [True]

    from desktop import cli

    monkeypatch.setattr(sys, "argv", ["parley", "sessions", "list"])
    monkeypatch.setenv("PARLEY_PASSPHRASE", "entry point phrase 3")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_TESTING", "1")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    assert cli.main() == 0
    assert calls == ["os", "os"]
    monkeypatch.setattr(sys, "argv", ["parley", "models", "install", "--help"])
    with pytest.raises(SystemExit):
        cli.main()
    assert calls == ["os", "os"]  # pip's command is the exception


def test_guard_covers_resolvers_sendmsg_and_raw_sockets() -> None:
    import _socket

    from desktop.privacy.errors import NetworkBlockedError
    from desktop.privacy.netguard import no_network

    with no_network() as guard:
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyname("example.org")
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyaddr("192.0.2.7")
        with pytest.raises(NetworkBlockedError):
            _socket.getaddrinfo("example.org", 80)
        raw = _socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(NetworkBlockedError):
            raw.connect(("192.0.2.7", 80))
        raw.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(NetworkBlockedError):
            s.sendmsg([b"x"], [], 0, ("192.0.2.7", 53))
        s.close()
        assert socket.gethostbyname("localhost").startswith("127.")
        assert len(guard.attempts) == 5
    assert _socket.socket.__name__ == "socket" and socket.gethostbyname.__module__ != __name__

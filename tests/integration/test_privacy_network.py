"""No network, provably: commands run inside an empty network namespace and under a guard.

`COMMANDS` is the list to extend: each runs once normally (a command that fails there, or is
not implemented yet, is skipped), then under `unshare -n` (no interfaces at all), then under
the socket guard in a child process; both must succeed, and the guard must see no attempt.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.privacy.errors import NetworkBlockedError
from desktop.privacy.netguard import is_loopback, no_network

ROOT = Path(__file__).resolve().parents[2]
PARLEY = ROOT / ".venv" / "bin" / "parley"
CALL = ROOT / "desktop" / "samples" / "demo_call_zh.json"  # a timed transcript shipped with Parley
PLAYBOOK = ROOT / "tests" / "data" / "playbook_routewise"


@dataclass(frozen=True)
class Command:
    name: str
    args: list[str]  # "{tmp}" is replaced by a temp folder
    stdin: str = ""


COMMANDS = [
    Command("help", ["--help"]),
    Command("sessions list", ["sessions", "list"]),
    Command("audit verify", ["audit", "verify"]),
    Command(
        "detect",
        ["detect", "--lang", "en"],
        stdin='{"id": "a", "text": "That is far too expensive."}\n',
    ),
    Command("playbook check", ["playbook", "check", str(PLAYBOOK)]),
    Command(
        "replay",
        [
            "replay",
            str(CALL),
            "--speed",
            "max",
            "--no-llm",
            "--quiet",
            "--events",
            "{tmp}/events.jsonl",
        ],
    ),
    Command("demo", ["demo", "--lang", "zh", "--speed", "max", "--no-llm", "--quiet"]),
]

# Runs `parley ARGS` with the socket guard on; writes the blocked attempts to $GUARD_REPORT.
GUARDED = textwrap.dedent(
    """
    import json, os, sys
    from desktop.privacy.netguard import install
    guard = install()
    code = 1
    try:
        from desktop.cli import main
        code = main(sys.argv[1:])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        with open(os.environ["GUARD_REPORT"], "w") as f:
            json.dump(guard.attempts, f)
    sys.exit(code)
    """
)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "network-test-passphrase")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    return dict(os.environ)


def _run(
    prefix: list[str], command: Command, env: dict[str, str], tmp: Path
) -> subprocess.CompletedProcess[str]:
    args = [a.replace("{tmp}", str(tmp)) for a in command.args]
    return subprocess.run(
        [*prefix, *args], input=command.stdin, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_command_runs_without_network(
    command: Command, env: dict[str, str], tmp_path: Path
) -> None:
    baseline = _run([str(PARLEY)], command, env, tmp_path)
    if "not available" in baseline.stderr:
        pytest.skip(f"parley {command.name} is not implemented in this build yet")
    if baseline.returncode != 0:
        pytest.skip(f"parley {command.name} fails even with the network: {baseline.stderr[-300:]}")

    if _unshare_works():
        isolated = _run(["unshare", "-n", str(PARLEY)], command, env, tmp_path)
        assert isolated.returncode == 0, isolated.stderr[-2000:]
        assert isolated.stdout.count("\n") == baseline.stdout.count("\n")

    report = tmp_path / "guard.json"
    guarded = _run(
        [sys.executable, "-c", GUARDED], command, {**env, "GUARD_REPORT": str(report)}, tmp_path
    )
    assert guarded.returncode == 0, guarded.stderr[-2000:]
    assert json.loads(report.read_text()) == []


def test_unshare_really_has_no_network() -> None:
    if not _unshare_works():
        pytest.skip("`unshare -n` is not permitted here (needs root or user namespaces)")
    probe = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=2)"
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", probe], capture_output=True, text=True
    )
    assert done.returncode != 0 and "unreachable" in done.stderr.lower()


def test_guard_blocks_non_loopback_and_allows_loopback() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        with no_network() as guard:
            with pytest.raises(NetworkBlockedError):
                socket.create_connection(("192.0.2.1", 443), timeout=1)
            with pytest.raises(NetworkBlockedError):
                socket.getaddrinfo("example.com", 443)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            with pytest.raises(NetworkBlockedError):
                s.sendto(b"x", ("192.0.2.1", 53))
            with pytest.raises(NetworkBlockedError):
                s.connect_ex(("2001:db8::1", 53))
            s.close()
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            with socket.create_connection(("localhost", port), timeout=5):
                pass
            assert len(guard.attempts) == 4
        # Off again: the originals are back.
        assert socket.socket.connect.__name__ == "connect"
    finally:
        server.close()
    assert is_loopback("::1") and is_loopback("127.8.0.1") and not is_loopback("10.0.0.1")

"""The OS closes the network: `restrict_network()` moves the process into its own network.

On Linux the process enters a new user namespace and a new network namespace
(`unshare(CLONE_NEWUSER | CLONE_NEWNET)`, the same as `unshare -rn`; the uid and gid are mapped
to themselves) and brings its private loopback interface up. From then on no socket of this
process or of any child, Python or native (llama.cpp, CTranslate2, Qt, Ray), reaches another
machine, nor a service listening on the host's loopback: the only interface is a loopback of
its own, so a local Ray batch (head and workers, all children) still talks over 127.0.0.1.
Unix sockets (PulseAudio, a D-Bus bus at a file path, X11/Wayland at a file path) keep working;
abstract Unix sockets belong to the network namespace and do not.

It must run before any thread starts (the kernel refuses a new user namespace in a
multithreaded process), so `parley` calls it first thing in `main`, right after its arguments
are parsed. `parley models install` (pip, in its own process) and a run against a Ray cluster
the user names (`--cluster`) do not call it. Elsewhere it returns what it could not apply:

- macOS: the bundle is signed with the App Sandbox and without `com.apple.security.network.client`
  or `network.server` (installer/macos/parley.entitlements), so the OS refuses sockets;
- Windows: the installer adds an outbound block rule for parley.exe to Windows Firewall;
- Linux without unprivileged user namespaces (`kernel.unprivileged_userns_clone=0`, some
  AppArmor profiles): nothing here; the Python guard stays on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import socket
import struct
import sys
from dataclasses import dataclass

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


@dataclass(frozen=True, slots=True)
class Restriction:
    """What `restrict_network` did.

    Attributes:
        applied: the OS now refuses every network but the process's own loopback.
        kind: "netns" (a user + network namespace, loopback up), or "none".
        detail: a sentence: what was applied, or why nothing was.
    """

    applied: bool
    kind: str
    detail: str


_done: Restriction | None = None


def _threads() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 1


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))


def restrict_network() -> Restriction:
    """Close the network for this process and its children (Linux); idempotent.

    Call it before any thread starts. Returns what was applied; never raises.
    """
    global _done
    if _done is not None:
        return _done
    _done = _restrict()
    return _done


def _restrict() -> Restriction:
    if not sys.platform.startswith("linux"):
        return Restriction(
            False,
            "none",
            "not Linux: the OS restriction comes from the App Sandbox (macOS) or the "
            "installer's firewall rule (Windows)",
        )
    if _threads() > 1:
        return Restriction(
            False, "none", "threads were already running (a user namespace needs one thread)"
        )
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        return Restriction(
            False,
            "none",
            f"the kernel refused a user + network namespace ({os.strerror(err)}); "
            "unprivileged user namespaces may be off here",
        )
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError as e:  # the namespace holds anyway; ids read as "nobody"
        mapped = f"; uid/gid not mapped ({e})"
    else:
        mapped = ""
    try:
        _loopback_up()
    except OSError as e:
        return Restriction(
            True, "netns", f"own network namespace, no interfaces (loopback down: {e}){mapped}"
        )
    return Restriction(True, "netns", f"own network namespace, loopback only{mapped}")


def current() -> Restriction | None:
    """What `restrict_network` applied in this process (None: not called)."""
    return _done

"""A guard that refuses every non-loopback network connection, and records the attempts.

    with no_network() as guard:
        run_something()
    assert not guard.attempts

While on, `socket.socket.connect`, `connect_ex`, `sendto`, `sendmsg`,
`socket.create_connection`, `socket.getaddrinfo`, `gethostbyname(_ex)` and `gethostbyaddr`
raise `NetworkBlockedError` for any address that is not loopback (127.0.0.0/8, ::1,
"localhost") or a Unix socket; so does a socket made from the `_socket` module directly (its
`socket` type is replaced by a guarded one). Tests use it around in-process commands; a
process can also turn it on for good with `install()` (everything but `parley models install`
may).

`allowing(hosts)` lets named hosts through while it is on: the one exception, for
`parley replay --cluster ADDRESS` (the user's own Ray cluster); every other address is still
refused.

This is the second line only: native code (llama.cpp, CTranslate2, Qt) calls the C library
and never meets it. The first line is the OS (`desktop.privacy.osnet.restrict_network`).
"""

from __future__ import annotations

import _socket
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from desktop.privacy.errors import NetworkBlockedError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


_allowed: list[str] = []  # hosts `allowing` lets through (names and addresses, lower case)


def _normal(host: Any) -> str:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return str(host).strip().strip("[]").lower().split("%", 1)[0]


def permits(host: Any) -> bool:
    """Whether the guard lets a connection to `host` through: loopback, or a host `allowing`
    named."""
    return is_loopback(host) or (host is not None and _normal(host) in _allowed)


def is_loopback(host: Any) -> bool:
    """Whether `host` (a name, an address string, bytes or None) stays on this machine."""
    if host is None:
        return True  # getaddrinfo(None, port) is a local wildcard
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES or name == "":
        return True
    name = name.split("%", 1)[0]
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkGuard:
    """The attempts blocked while the guard was on (`"what host:port"` strings)."""

    attempts: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def block(self, what: str, address: Any) -> None:
        with self._lock:
            self.attempts.append(f"{what} {address!r}")
        raise NetworkBlockedError(
            f"Parley tried to reach {address!r} over the network ({what}); it must never do "
            "that. Report this as a bug."
        )


def _host_of(address: Any) -> Any:
    if isinstance(address, tuple) and address:
        return address[0]
    if isinstance(address, str | bytes):
        return None  # a Unix socket path
    return address


_originals: dict[str, Any] = {}
_active: list[NetworkGuard] = []
_install_lock = threading.Lock()


def _current() -> NetworkGuard:
    return _active[-1]


def _patched_connect(self: socket.socket, address: Any) -> Any:
    if self.family != getattr(socket, "AF_UNIX", None) and not permits(_host_of(address)):
        _current().block("connect", address)
    return _originals["connect"](self, address)


def _patched_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family != getattr(socket, "AF_UNIX", None) and not permits(_host_of(address)):
        _current().block("connect_ex", address)
    return _originals["connect_ex"](self, address)


def _patched_sendto(self: socket.socket, data: Any, *args: Any) -> Any:
    address = args[-1] if args else None
    if (
        self.family != getattr(socket, "AF_UNIX", None)
        and address is not None
        and not permits(_host_of(address))
    ):
        _current().block("sendto", address)
    return _originals["sendto"](self, data, *args)


def _patched_sendmsg(self: socket.socket, buffers: Any, *args: Any, **kwargs: Any) -> Any:
    address = kwargs.get("address", args[2] if len(args) >= 3 else None)
    if (
        self.family != getattr(socket, "AF_UNIX", None)
        and address is not None
        and not permits(_host_of(address))
    ):
        _current().block("sendmsg", address)
    return _originals["sendmsg"](self, buffers, *args, **kwargs)


class _GuardedRawSocket(_socket.socket):
    """What `_socket.socket(...)` makes while the guard is on."""

    def connect(self, address: Any) -> None:
        if self.family != getattr(socket, "AF_UNIX", None) and not permits(_host_of(address)):
            _current().block("_socket connect", address)
        super().connect(address)

    def connect_ex(self, address: Any) -> int:
        if self.family != getattr(socket, "AF_UNIX", None) and not permits(_host_of(address)):
            _current().block("_socket connect_ex", address)
        return super().connect_ex(address)

    def sendto(self, data: Any, *args: Any) -> int:  # type: ignore[override]
        address = args[-1] if args else None
        if (
            self.family != getattr(socket, "AF_UNIX", None)
            and address is not None
            and not permits(_host_of(address))
        ):
            _current().block("_socket sendto", address)
        return super().sendto(data, *args)

    def sendmsg(self, buffers: Any, *args: Any, **kwargs: Any) -> int:
        address = kwargs.get("address", args[2] if len(args) >= 3 else None)
        if (
            self.family != getattr(socket, "AF_UNIX", None)
            and address is not None
            and not permits(_host_of(address))
        ):
            _current().block("_socket sendmsg", address)
        return super().sendmsg(buffers, *args, **kwargs)


_RESOLVERS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")


def _patched_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
    if not permits(_host_of(address)):
        _current().block("create_connection", address)
    return _originals["create_connection"](address, *args, **kwargs)


def _guarded_resolver(name: str, original: Any) -> Any:
    """`original` (a resolver of `socket` or `_socket`) refusing names that are not loopback
    (nor allowed)."""

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not permits(host):
            _current().block(name, host)
        return original(host, *args, **kwargs)

    resolver.__name__ = name
    return resolver


def _patch() -> None:
    _originals["connect"] = socket.socket.connect
    _originals["connect_ex"] = socket.socket.connect_ex
    _originals["sendto"] = socket.socket.sendto
    _originals["sendmsg"] = socket.socket.sendmsg
    _originals["create_connection"] = socket.create_connection
    _originals["_socket.socket"] = _socket.socket
    for module in (socket, _socket):
        for name in _RESOLVERS:
            original = getattr(module, name)
            _originals[f"{module.__name__}.{name}"] = original
            setattr(module, name, _guarded_resolver(name, original))
    socket.socket.connect = _patched_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _patched_connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = _patched_sendto  # type: ignore[method-assign,assignment]
    socket.socket.sendmsg = _patched_sendmsg  # type: ignore[method-assign,assignment]
    socket.create_connection = _patched_create_connection
    _socket.socket = _GuardedRawSocket  # type: ignore[misc]


def _unpatch() -> None:
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.socket.sendto = _originals.pop("sendto")  # type: ignore[method-assign]
    socket.socket.sendmsg = _originals.pop("sendmsg")  # type: ignore[method-assign]
    socket.create_connection = _originals.pop("create_connection")
    _socket.socket = _originals.pop("_socket.socket")  # type: ignore[misc]
    for module in (socket, _socket):
        for name in _RESOLVERS:
            setattr(module, name, _originals.pop(f"{module.__name__}.{name}"))


def install() -> NetworkGuard:
    """Turn the guard on until `uninstall` (nested guards share the patch)."""
    guard = NetworkGuard()
    with _install_lock:
        if not _active:
            _patch()
        _active.append(guard)
    return guard


def uninstall(guard: NetworkGuard) -> None:
    with _install_lock:
        if guard in _active:
            _active.remove(guard)
        if not _active and _originals:
            _unpatch()


@contextmanager
def allowing(hosts: list[str]) -> Iterator[None]:
    """Let `hosts` (names or addresses; a name also lets its addresses through) be reached
    inside the block, and nothing else that is not loopback."""
    added: list[str] = []
    try:
        for host in hosts:
            _allowed.append(_normal(host))  # first: resolving the name is then allowed too
            added.append(_normal(host))
            try:
                infos = socket.getaddrinfo(host, None)
            except OSError:
                continue  # an address, or a name that does not resolve: only the text
            for address in sorted({_normal(info[4][0]) for info in infos}):
                _allowed.append(address)
                added.append(address)
        yield
    finally:
        for name in added:
            _allowed.remove(name)


@contextmanager
def no_network() -> Iterator[NetworkGuard]:
    """Refuse non-loopback connections inside the block; yields the guard with its attempts."""
    guard = install()
    try:
        yield guard
    finally:
        uninstall(guard)

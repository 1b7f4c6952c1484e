"""AES-256-GCM for database fields and for files written as a stream (recordings).

Fields: `FieldCipher.encrypt(data, context)` gives `0x01 | nonce(12) | ciphertext+tag`; the
context (table, session, column) is bound as associated data, so a value copied into another
row does not decrypt.

Files: a header `PRLYENC1 | salt(16)`, then chunks `len(4, big-endian) | ciphertext+tag`. Each
file has its own key (HKDF of the data key with the file's salt); chunk i is sealed with nonce
`i(8) | last(4)`, so reordered, dropped or appended chunks fail, and a file that lacks its last
chunk is recognised as cut short (a crash) — its complete chunks can still be read with
`allow_truncated=True`.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any, BinaryIO

from desktop.privacy.errors import DecryptionError
from desktop.privacy.keys import DataKey

FIELD_LABEL = "parley fields v1"
FILE_LABEL = b"parley file v1"
FILE_MAGIC = b"PRLYENC1"
_FIELD_VERSION = 1
_SALT = 16
_TAG = 16
DEFAULT_CHUNK = 64 * 1024


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


class FieldCipher:
    """Encrypts and decrypts small values (text, JSON) stored in the session database."""

    def __init__(self, key: DataKey) -> None:
        self._aead = _aesgcm(key.subkey(FIELD_LABEL))

    def encrypt(self, data: bytes | str, context: str) -> bytes:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        nonce = os.urandom(12)
        return bytes([_FIELD_VERSION]) + nonce + self._aead.encrypt(nonce, raw, context.encode())

    def decrypt(self, blob: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        if not blob or blob[0] != _FIELD_VERSION or len(blob) < 1 + 12 + _TAG:
            raise DecryptionError(
                f"A stored value ({context}) is not in Parley's encrypted format."
            )
        try:
            return bytes(self._aead.decrypt(blob[1:13], blob[13:], context.encode()))
        except InvalidTag:
            raise DecryptionError(
                f"A stored value ({context}) did not decrypt: it was altered or belongs to "
                "another key."
            ) from None

    def encrypt_text(self, text: str, context: str) -> bytes:
        return self.encrypt(text, context)

    def decrypt_text(self, blob: bytes, context: str) -> str:
        return self.decrypt(blob, context).decode("utf-8")

    def encrypt_json(self, value: Any, context: str) -> bytes:
        return self.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")), context)

    def decrypt_json(self, blob: bytes, context: str) -> Any:
        return json.loads(self.decrypt(blob, context))


def _file_key(key: DataKey, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=FILE_LABEL).derive(key.secret)


def _nonce(index: int, last: bool) -> bytes:
    return struct.pack(">QI", index, 1 if last else 0)


class EncryptedFileWriter:
    """Writes a file as a stream of sealed chunks; `close()` seals the last one.

    `write` buffers until a chunk is full; `flush` seals what is buffered now (call it about once
    a second in a recorder, so a crash loses at most that much). Not thread-safe: one writer
    thread per file.
    """

    def __init__(self, path: Path, key: DataKey, *, chunk_size: int = DEFAULT_CHUNK) -> None:
        self.path = Path(path)
        self._chunk = max(1, chunk_size)
        salt = os.urandom(_SALT)
        self._header = FILE_MAGIC + salt
        self._aead = _aesgcm(_file_key(key, salt))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._file.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self.bytes_written = 0

    @property
    def closed(self) -> bool:
        return self._file is None

    def _seal(self, data: bytes, *, last: bool) -> None:
        assert self._file is not None
        sealed = self._aead.encrypt(_nonce(self._index, last), data, self._header)
        self._file.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer `data`; full chunks are sealed and written. Returns len(data)."""
        if self._file is None:
            raise ValueError("write to a closed encrypted file")
        self._buffer += data
        self.bytes_written += len(data)
        while len(self._buffer) >= self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]
        return len(data)

    def flush(self) -> None:
        """Seal what is buffered as a chunk and hand it to the OS."""
        if self._file is None:
            return
        if self._buffer:
            self._seal(bytes(self._buffer), last=False)
            self._buffer.clear()
        self._file.flush()

    def close(self) -> None:
        """Seal the last chunk (possibly empty) and close; safe to call twice."""
        if self._file is None:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None

    def __enter__(self) -> EncryptedFileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EncryptedFileReader:
    """Reads back what an `EncryptedFileWriter` wrote, checking every chunk.

    Raises `DecryptionError` for an altered file, or one cut short (unless `allow_truncated`,
    which returns the complete chunks before the cut: what a crashed recorder had flushed).
    """

    def __init__(self, path: Path, key: DataKey, *, allow_truncated: bool = False) -> None:
        self.path = Path(path)
        self._allow_truncated = allow_truncated
        self._file: BinaryIO | None = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self._header = self._file.read(len(FILE_MAGIC) + _SALT)
        if len(self._header) != len(FILE_MAGIC) + _SALT or not self._header.startswith(FILE_MAGIC):
            self.close()
            raise DecryptionError(f"{self.path} is not a file Parley encrypted.")
        self._aead = _aesgcm(_file_key(key, self._header[len(FILE_MAGIC) :]))
        self._index = 0
        self._done = False
        self._buffer = bytearray()
        self.truncated = False

    def _next_chunk(self) -> bytes | None:
        from cryptography.exceptions import InvalidTag

        if self._done or self._file is None:
            return None
        head = self._file.read(4)
        size = struct.unpack(">I", head)[0] if len(head) == 4 else -1
        sealed = self._file.read(size) if size >= 0 else b""
        if size < 0 or len(sealed) != size:  # end of file, or a chunk cut by a crash
            return self._cut_short()
        for last in (False, True):
            try:
                data = self._aead.decrypt(_nonce(self._index, last), sealed, self._header)
            except InvalidTag:
                continue
            self._index += 1
            if last:
                self._done = True
                if self._file.read(1):
                    raise DecryptionError(f"{self.path} has data after its last chunk.")
            return bytes(data)
        raise DecryptionError(
            f"{self.path} did not decrypt at chunk {self._index}: it was altered or belongs "
            "to another key."
        )

    def _cut_short(self) -> bytes | None:
        self._done = True
        self.truncated = True
        if not self._allow_truncated:
            raise DecryptionError(
                f"{self.path} ends before its last chunk (the writer did not close it, e.g. "
                "after a crash)."
            )
        return None

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all when negative); b"" at the end."""
        while size < 0 or len(self._buffer) < size:
            chunk = self._next_chunk()
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            out = bytes(self._buffer)
            self._buffer.clear()
        else:
            out = bytes(self._buffer[:size])
            del self._buffer[:size]
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EncryptedFileReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_encrypted_writer(
    path: Path | str, key: DataKey | None = None, *, chunk_size: int = DEFAULT_CHUNK
) -> EncryptedFileWriter:
    """A streaming encrypted file at `path` (`write(bytes)`, `flush()`, `close()`).

    Args:
        path: the file to create (replaced if it exists).
        key: the data key (default: `load_or_create_key()`, which may raise
            `KeyUnavailableError`).
    """
    if key is None:
        from desktop.privacy.keys import load_or_create_key

        key = load_or_create_key()
    return EncryptedFileWriter(Path(path), key, chunk_size=chunk_size)


def open_encrypted_reader(
    path: Path | str, key: DataKey | None = None, *, allow_truncated: bool = False
) -> EncryptedFileReader:
    """Reads a file `open_encrypted_writer` wrote (`read(n)`, `close()`)."""
    if key is None:
        from desktop.privacy.keys import load_or_create_key

        key = load_or_create_key()
    return EncryptedFileReader(Path(path), key, allow_truncated=allow_truncated)


def read_encrypted_file(path: Path | str, key: DataKey, *, allow_truncated: bool = False) -> bytes:
    """The whole plaintext of an encrypted file."""
    with EncryptedFileReader(Path(path), key, allow_truncated=allow_truncated) as reader:
        return reader.read()

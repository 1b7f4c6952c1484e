"""AES-GCM fields and the chunked encrypted file stream."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from desktop.privacy.crypto import (
    FILE_MAGIC,
    FieldCipher,
    open_encrypted_reader,
    open_encrypted_writer,
    read_encrypted_file,
)
from desktop.privacy.errors import DecryptionError
from desktop.privacy.keys import ephemeral_key

WORDS = "我们的预算只有三万 and the budget is tight"


def test_field_roundtrip_and_no_plaintext() -> None:
    cipher = FieldCipher(ephemeral_key())
    blob = cipher.encrypt_text(WORDS, "segments/s1/0")
    assert WORDS.encode() not in blob
    assert cipher.decrypt_text(blob, "segments/s1/0") == WORDS
    # Same plaintext twice gives different ciphertexts (random nonce).
    assert cipher.encrypt_text(WORDS, "segments/s1/0") != blob


def test_field_bound_to_its_context_and_key() -> None:
    key = ephemeral_key()
    blob = FieldCipher(key).encrypt_json({"a": 1}, "events/s1/3")
    with pytest.raises(DecryptionError):
        FieldCipher(key).decrypt_json(blob, "events/s2/3")  # copied into another row
    with pytest.raises(DecryptionError):
        FieldCipher(ephemeral_key()).decrypt_json(blob, "events/s1/3")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        FieldCipher(key).decrypt_json(tampered, "events/s1/3")


def test_file_stream_roundtrip_many_chunks(tmp_path: Path) -> None:
    key = ephemeral_key()
    data = bytes(range(256)) * 1000  # 256 kB
    path = tmp_path / "rec.wav.enc"
    with open_encrypted_writer(path, key, chunk_size=10_000) as w:
        for i in range(0, len(data), 3333):
            w.write(data[i : i + 3333])
        w.flush()
    raw = path.read_bytes()
    assert raw.startswith(FILE_MAGIC)
    assert data[:64] not in raw
    assert read_encrypted_file(path, key) == data
    with open_encrypted_reader(path, key) as r:
        assert r.read(5) == data[:5]
        assert r.read() == data[5:]


def test_empty_file_roundtrip(tmp_path: Path) -> None:
    key = ephemeral_key()
    path = tmp_path / "empty.enc"
    open_encrypted_writer(path, key).close()
    assert read_encrypted_file(path, key) == b""


def test_unclosed_file_is_truncated_but_flushed_chunks_readable(tmp_path: Path) -> None:
    key = ephemeral_key()
    path = tmp_path / "crash.enc"
    w = open_encrypted_writer(path, key, chunk_size=1000)
    w.write(b"a" * 2500)
    w.flush()  # what a recorder does about once a second
    w.write(b"b" * 10)  # buffered, never sealed: lost in the "crash"
    with pytest.raises(DecryptionError, match="ends before its last chunk"):
        read_encrypted_file(path, key)
    assert read_encrypted_file(path, key, allow_truncated=True) == b"a" * 2500


def test_dropping_the_last_chunk_is_detected(tmp_path: Path) -> None:
    key = ephemeral_key()
    path = tmp_path / "f.enc"
    with open_encrypted_writer(path, key, chunk_size=100) as w:
        w.write(b"x" * 250)
    raw = path.read_bytes()
    # Walk the chunks and cut the final one off: the stream must not read as complete.
    pos, ends = len(FILE_MAGIC) + 16, []
    while pos < len(raw):
        (size,) = struct.unpack(">I", raw[pos : pos + 4])
        pos += 4 + size
        ends.append(pos)
    path.write_bytes(raw[: ends[-2]])
    with pytest.raises(DecryptionError):
        read_encrypted_file(path, key)


def test_altered_or_reordered_chunks_fail(tmp_path: Path) -> None:
    key = ephemeral_key()
    path = tmp_path / "f.enc"
    with open_encrypted_writer(path, key, chunk_size=100) as w:
        w.write(b"0" * 100 + b"1" * 100 + b"2" * 50)
    raw = bytearray(path.read_bytes())
    flipped = bytearray(raw)
    flipped[len(FILE_MAGIC) + 16 + 10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(DecryptionError):
        read_encrypted_file(path, key, allow_truncated=True)
    head = len(FILE_MAGIC) + 16
    chunk = 4 + 100 + 16
    swapped = (
        raw[:head]
        + raw[head + chunk : head + 2 * chunk]
        + raw[head : head + chunk]
        + raw[head + 2 * chunk :]
    )
    path.write_bytes(bytes(swapped))
    with pytest.raises(DecryptionError):
        read_encrypted_file(path, key)
    path.write_bytes(bytes(raw))
    with pytest.raises(DecryptionError):
        read_encrypted_file(path, ephemeral_key())

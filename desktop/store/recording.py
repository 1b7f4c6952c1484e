"""A live call's recording kept in the session store: encrypted, registered to its session.

`parley live --record` writes both parties as 16 kHz stereo 16-bit PCM (rep left, customer
right) into `recordings/ID.pcm.enc`, sealed in chunks by `EncryptedFileWriter` and flushed about
once a second, so a crash loses at most that much. The file is registered to the session, so
`sessions delete` and retention remove it with the rows. `recording_wav` decrypts it into
memory as a WAV that replay decodes, never writing the audio out in clear.
"""

from __future__ import annotations

import io
import time
import wave
from typing import TYPE_CHECKING

from desktop.privacy.crypto import EncryptedFileReader
from desktop.store.errors import StoreError

if TYPE_CHECKING:
    from desktop.privacy.crypto import EncryptedFileWriter
    from desktop.store.store import SessionStore
    from desktop.store.writer import SessionWriter

RATE = 16000
CHANNELS = 2
SAMPLE_WIDTH = 2
FLUSH_S = 1.0


class StoreRecording:
    """A `RecordingWriter` (audio/recorder.py) that seals the PCM into the session's recording.

    Not thread-safe: the capture thread writes, and `close` may be called again from another
    thread once capture has stopped (it is idempotent).
    """

    def __init__(self, writer: SessionWriter) -> None:
        self._file: EncryptedFileWriter = writer.open_recording()
        self.path = self._file.path
        self._flushed = time.monotonic()

    def write(self, pcm: bytes) -> None:
        self._file.write(pcm)
        now = time.monotonic()
        if now - self._flushed >= FLUSH_S:
            self._file.flush()
            self._flushed = now

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


def recording_wav(store: SessionStore, session_id: str) -> tuple[bytes, bool]:
    """The session's recording as WAV bytes in memory, and whether it was cut short (a crash:
    the chunks sealed before it are kept).

    Raises:
        StoreError: the session has no recording, or it does not authenticate.
    """
    store.get(session_id)
    path = store.recording(session_id)
    if path is None:
        raise StoreError(
            f"Session {session_id} has no recording: only `parley live --record` keeps one."
        )
    from desktop.privacy.errors import DecryptionError

    try:
        try:
            with EncryptedFileReader(
                path, store.session_key(session_id), allow_truncated=True
            ) as reader:
                pcm = reader.read()
                truncated = reader.truncated
        except DecryptionError:
            # A recording made before sessions had their own keys is sealed with the data key.
            with EncryptedFileReader(path, store.key, allow_truncated=True) as reader:
                pcm = reader.read()
                truncated = reader.truncated
    except DecryptionError as e:
        raise StoreError(
            f"The recording of session {session_id} is damaged ({e}); its transcript and "
            "events are still readable with `parley sessions show`."
        ) from e
    frame = CHANNELS * SAMPLE_WIDTH
    pcm = pcm[: len(pcm) - len(pcm) % frame]
    if not pcm:
        raise StoreError(f"The recording of session {session_id} holds no audio.")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(CHANNELS)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
    return out.getvalue(), truncated

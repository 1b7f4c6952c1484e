"""Two first runs at once (two processes, no key yet): one key, and both sessions readable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from desktop.privacy.keys import load_or_create_key
from desktop.store import SessionStore

ROOT = Path(__file__).resolve().parents[2]

# Each process waits for the start file, then opens (and so creates) the store and keeps one
# session; it prints the key id it used.
FIRST_RUN = """
import os, sys, time
from pathlib import Path
from desktop.store import SessionMeta, SessionStore
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
with SessionStore.open(directory=Path(sys.argv[1])) as store:
    writer = store.begin(SessionMeta(kind="replay", title=sys.argv[3]))
    assert writer.close()
    print(store.key.key_id, writer.session_id)
"""


def test_two_processes_creating_the_store_end_with_one_key(tmp_path: Path) -> None:
    data, go = tmp_path / "data", tmp_path / "go"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        PARLEY_PASSPHRASE="first run pass",
        PARLEY_KEYRING="0",
        PARLEY_SCRYPT_N="16384",  # slow enough that both are inside key creation at once
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_RUN, str(data), str(go), f"call {n}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    time.sleep(3.0)  # both have imported and are polling for the start file
    go.write_text("")
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    used = [out.split() for out, _ in outs]
    stored = json.loads((data / "key.json").read_text())["key_id"]
    assert {key_id for key_id, _ in used} == {stored}
    assert not list(data.glob("key.json.*.tmp"))
    key = load_or_create_key(directory=data, passphrase="first run pass", interactive=False)
    with SessionStore.open(key=key, directory=data) as store:
        titles = {s.session_id: s.title for s in store.list_sessions()}
        assert titles == {used[0][1]: "call 1", used[1][1]: "call 2"}
        assert not any(s.damaged for s in store.list_sessions())

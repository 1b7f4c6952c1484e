"""`parley replay FOLDER --report-dir DIR --workers N [--cluster ADDRESS]`: the batch on Ray.

The driver (this process) finds the files, skips those whose report is complete for the same
key (`keys`), starts N `ReplayWorker` actors (each loads its models once), hands each idle
worker the next file's bytes, and writes each report and its record atomically as results
come back. A broken file is reported and the rest go on; a file whose worker died is retried
once on another worker (a fresh one replaces the dead). Progress goes to stderr, a JSON
summary to stdout, and `team-summary.html` beside the reports.

Privacy (see docs/batch.md): Ray's usage statistics are off before Ray is imported; locally
Ray runs with its node address on 127.0.0.1, its files in a private temporary folder, the
dashboard off unless `--dashboard`, inside the OS network restriction (`_os_network_restriction`);
`--cluster` needs Ray's TLS with certificates the user names, says so on stderr and in the audit
log, and the network guard lets that cluster's host through and nothing else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.batch import keys, team
from desktop.version import __version__
from models.errors import ParleyError

OBJECT_STORE_BYTES = 128 * 1024 * 1024  # local mode: files travel one at a time per worker
TLS_ENV = {"ca": "RAY_TLS_CA_CERT", "cert": "RAY_TLS_SERVER_CERT", "key": "RAY_TLS_SERVER_KEY"}


class BatchError(ParleyError):
    """Bad batch options (a user error: the message says what to do)."""


def add_options(p: argparse.ArgumentParser) -> None:
    """The batch options of `parley replay`."""
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="replay a folder with N Ray workers (each loads the models once); needs --report-dir",
    )
    p.add_argument(
        "--cpus-per-worker",
        type=int,
        metavar="C",
        help="cores Ray gives each worker; its threads follow them (default: the machine's "
        "cores shared among the workers; 1 on a cluster)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the workers on your own Ray cluster (HOST:PORT of its head): audio and text "
        "cross your network, so Ray's TLS is required (--tls-ca, --tls-cert, --tls-key)",
    )
    p.add_argument("--tls-ca", type=Path, metavar="CA.pem", help="--cluster: the CA certificate")
    p.add_argument("--tls-cert", type=Path, metavar="CERT.pem", help="--cluster: this node's cert")
    p.add_argument("--tls-key", type=Path, metavar="KEY.pem", help="--cluster: its private key")
    p.add_argument(
        "--dashboard",
        action="store_true",
        help="local batch: start Ray's dashboard (on 127.0.0.1); off by default",
    )
    p.add_argument(
        "--redo",
        action="store_true",
        help="replay every file again, even those whose report is complete",
    )


def wanted(args: argparse.Namespace) -> bool:
    """Whether `parley replay` should run the Ray batch."""
    return getattr(args, "workers", None) is not None or getattr(args, "cluster", None) is not None


# -- settings and keys -------------------------------------------------------------------------


def batch_settings(args: argparse.Namespace) -> dict[str, Any]:
    hotwords = [w.strip() for w in (args.hotwords or "").split(",") if w.strip()]
    return {
        "version": __version__,
        "playbooks": [str(Path(p).resolve()) for p in args.playbook],
        "use_llm": not args.no_llm,
        "hotwords": hotwords,
        "mono_party": args.mono_party,
        "asr_pack": args.asr_model,
        "llm_pack": args.llm_model,
        "language": args.language,
        "device": args.device,
        "redact": not args.no_redact,
    }


def _model_hashes(settings: dict[str, Any], audio: bool) -> dict[str, str]:
    """The models' identities (only those the batch uses: ASR for recordings, the LLM if on)."""
    out: dict[str, str] = {}
    if audio:
        from inference.asr.whisper_backend import resolve_model_dir

        out["asr"] = keys.model_identity(resolve_model_dir(settings["asr_pack"]))
    if settings["use_llm"] and settings["playbooks"]:
        pack = settings["llm_pack"]
        path = Path(pack).expanduser()
        if not (pack.lower().endswith(".gguf") or path.is_file()):
            from models.registry import model_path

            path = model_path(pack)
        out["llm"] = keys.model_identity(path)
    return out


def _is_transcript(path: Path) -> bool:
    from inference.timed_transcript import looks_like_timed_transcript

    return looks_like_timed_transcript(path)


def report_names(files: list[Path]) -> dict[Path, str]:
    """NAME.html per input; two inputs with one stem keep their suffix (a.wav.html)."""
    stems: dict[str, int] = {}
    for f in files:
        stems[f.stem] = stems.get(f.stem, 0) + 1
    return {f: f"{f.stem if stems[f.stem] == 1 else f.name}.html" for f in files}


# -- Ray -------------------------------------------------------------------------------------


def _os_network_restriction() -> None:
    """THE call site of the OS network restriction for a local batch (loopback only).

    Ray's servers listen on every interface whatever address they are given; inside a network
    namespace with only loopback up, every interface is loopback, and Ray's processes (children
    of this one) inherit it. `desktop.privacy.osnet.restrict_network()` applies it (once per
    process: `parley`'s `main` calls it before any thread starts); here the batch checks that it
    holds and says so on stderr when it does not.
    """
    import importlib

    try:
        osnet: Any = importlib.import_module("desktop.privacy.osnet")
    except ImportError:
        detail = "this build has no OS network restriction (desktop/privacy/osnet.py)"
    else:
        done = osnet.current() or osnet.restrict_network()
        if done.applied:
            return
        detail = str(done.detail)
    print(
        f"parley replay: the OS network restriction is not applied ({detail}); local Ray runs "
        "with its node address on 127.0.0.1, but its ports listen on every interface",
        file=sys.stderr,
    )


def _check_tls(args: argparse.Namespace) -> dict[str, Path]:
    named = {"ca": args.tls_ca, "cert": args.tls_cert, "key": args.tls_key}
    missing = [f"--tls-{k}" for k, v in named.items() if v is None]
    if missing:
        raise BatchError(
            f"--cluster needs Ray's TLS: give {', '.join(missing)} (the CA certificate, and this "
            "machine's certificate and key signed by it, as the cluster's nodes were started "
            "with RAY_USE_TLS=1); see docs/batch.md"
        )
    paths: dict[str, Path] = {}
    for k, v in named.items():
        assert v is not None
        if not v.is_file():
            raise BatchError(f"--tls-{k} {v}: no such file; name the PEM file")
        paths[k] = v.resolve()
    return paths


def _cluster_host(address: str) -> str:
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if not host:
        raise BatchError(f"--cluster {address!r}: give the head's HOST:PORT")
    return host


_NO_KEY: Any = object()
_head_key: Any = _NO_KEY  # this machine's data key, opened once per batch (None: no key)


def head_key() -> Any:
    """This machine's data key (the head's: workers never get it), opened once; None when
    there is none or it cannot be opened (said on stderr)."""
    global _head_key
    if _head_key is _NO_KEY:
        try:
            from desktop.privacy.keys import load_existing_key

            _head_key = load_existing_key()
        except Exception as e:
            print(f"parley replay: the data key could not be opened ({e})", file=sys.stderr)
            _head_key = None
    return _head_key


def _audit(kind: str, payload: dict[str, Any]) -> None:
    """A record in this machine's audit log (payload encrypted when there is a key)."""
    try:
        from desktop.store.audit import AuditLog
        from models.paths import data_dir

        AuditLog(data_dir(), head_key()).append(kind, payload)
    except Exception as e:
        print(f"parley replay: the audit log could not be written ({e})", file=sys.stderr)


@contextmanager
def ray_running(args: argparse.Namespace, *, cpus: int) -> Iterator[Any]:
    """Ray started (locally) or joined (`--cluster`) with the privacy settings; yields `ray`."""
    from desktop.privacy import netguard

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before Ray is imported or started
    os.environ.setdefault("RAY_DISABLE_IMPORT_WARNING", "1")
    tls = _check_tls(args) if args.cluster is not None else {}
    if args.cluster is None and "ray" in sys.modules and sys.modules["ray"].is_initialized():
        # Ray already runs in this process (started by this function for an earlier batch
        # of the same process, e.g. the tests): the batch uses it and leaves it running.
        yield sys.modules["ray"]
        return
    if args.cluster is not None:
        host = _cluster_host(args.cluster)
        os.environ["RAY_USE_TLS"] = "1"
        for k, pem in tls.items():
            os.environ[TLS_ENV[k]] = str(pem)
        print(
            f"parley replay: --cluster {args.cluster}: the recordings and transcripts of this "
            "folder go to your Ray cluster's nodes over your network, encrypted with Ray TLS "
            f"(CA {tls['ca']}, certificate {tls['cert']}); reports come back here",
            file=sys.stderr,
        )
        _audit(
            "batch_cluster",
            {"address": args.cluster, "tls": True, "tls_ca": str(tls["ca"])},
        )
        import ray

        with netguard.allowing([host]):
            try:
                ray.init(address=args.cluster, logging_level=logging.WARNING, log_to_driver=False)
            except Exception as e:
                raise BatchError(
                    f"could not join the Ray cluster at {args.cluster} ({e}). Check the address, "
                    "that its nodes run with RAY_USE_TLS=1 and certificates from the same CA, "
                    "and, for a cluster with Ray's token authentication, RAY_AUTH_MODE=token "
                    "with the cluster's token (~/.ray/auth_token or RAY_AUTH_TOKEN)"
                ) from e
            try:
                yield ray
            finally:
                ray.shutdown()
        return
    temp = Path(tempfile.mkdtemp(prefix="parley-ray-"))  # 0700; gone after the batch
    # Local workers import Parley from this very checkout.
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH", "")
    if root not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, path) if p)
    try:
        _os_network_restriction()
        import ray

        ray.init(
            num_cpus=cpus,
            object_store_memory=OBJECT_STORE_BYTES,
            include_dashboard=bool(args.dashboard),
            dashboard_host="127.0.0.1",
            _node_ip_address="127.0.0.1",
            _temp_dir=str(temp),
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
        try:
            yield ray
        finally:
            ray.shutdown()
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# -- the batch -------------------------------------------------------------------------------


@dataclass
class Progress:
    total: int
    began: float = field(default_factory=time.monotonic)
    done: int = 0
    failed: int = 0
    audio_s: float = 0.0

    def line(self, name: str, what: str) -> str:
        elapsed = time.monotonic() - self.began
        finished = self.done + self.failed
        rtf = elapsed / self.audio_s if self.audio_s else 0.0
        left = self.total - finished
        eta = elapsed / finished * left if finished else 0.0
        width = 20
        filled = int(width * finished / self.total) if self.total else width
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {finished}/{self.total} files "
            f"({self.failed} failed) · {self.audio_s / 3600:.3f} h audio · "
            f"RTF {rtf:.3f} · ETA {eta:.0f} s · {name}: {what}"
        )


def run(args: argparse.Namespace, files: list[Path]) -> int:
    """Run the batch; returns the exit status (0 when at least one report was written or
    every file was already complete, 1 when every file failed)."""
    if args.report_dir is None:
        raise BatchError("--workers and --cluster write reports: give --report-dir DIR")
    if args.workers is not None and args.workers < 1:
        raise BatchError("--workers N: give 1 or more")
    if args.transcript or args.events or args.report:
        raise BatchError(
            "a Ray batch writes one report per file into --report-dir: drop --transcript, "
            "--events and --report"
        )
    report_dir: Path = args.report_dir
    settings = batch_settings(args)
    for folder in settings["playbooks"]:
        if not Path(folder).is_dir():
            raise BatchError(f"--playbook {folder}: no such folder")
    playbook = keys.tree_hash([Path(p) for p in settings["playbooks"]])
    # A timed transcript's report does not depend on the speech model; a recording's does.
    shared = {False: keys.settings_key(settings, _model_hashes(settings, False), playbook)}
    if any(not _is_transcript(f) for f in files):
        shared[True] = keys.settings_key(settings, _model_hashes(settings, True), playbook)
    names = report_names(files)
    todo: list[tuple[Path, str]] = []
    records: dict[Path, dict[str, Any]] = {}
    skipped = 0
    for f in files:
        key = keys.file_key(shared[not _is_transcript(f)], keys.file_hash(f))
        record = None if args.redo else keys.complete_record(report_dir, names[f], key)
        if record is not None:
            records[f] = record
            skipped += 1
        else:
            todo.append((f, key))
    global _head_key
    _head_key = _NO_KEY
    head_key()  # a passphrase, if one is asked, is asked before the batch
    workers = args.workers or 1
    print(
        f"parley replay: {len(files)} files, {skipped} already complete, {len(todo)} to replay "
        f"with {workers} Ray workers",
        file=sys.stderr,
    )
    failed: list[dict[str, str]] = []
    retried: list[str] = []
    progress = Progress(total=len(todo))
    began = time.monotonic()
    mode = "cluster" if args.cluster is not None else "local"
    per_worker = args.cpus_per_worker
    if todo:
        cores = os.cpu_count() or 1
        if per_worker is None:
            per_worker = 1 if args.cluster is not None else max(1, cores // workers)
        with ray_running(args, cpus=max(cores, workers * per_worker)) as ray:
            _schedule(
                ray,
                settings,
                todo,
                names,
                workers,
                per_worker,
                report_dir,
                records,
                failed,
                retried,
                progress,
            )
    wall = time.monotonic() - began
    ordered = [records[f] for f in files if f in records]
    summary = team.summarize(ordered, failed)
    store = team.store_totals(head_key())
    keys.write_atomic(
        report_dir / keys.TEAM_REPORT,
        team.render(summary, store, redact=settings["redact"]).encode("utf-8"),
    )
    replayed = len(todo) - len(failed)
    audio_s = progress.audio_s
    result = {
        "mode": mode,
        "workers": workers,
        "cpus_per_worker": per_worker,
        "files": len(files),
        "replayed": replayed,
        "skipped": skipped,
        "failed": failed,
        "retried": retried,
        "audio_hours": round(audio_s / 3600, 4),
        "wall_s": round(wall, 2),
        "rtf": round(wall / audio_s, 4) if audio_s else None,
        "report_dir": str(report_dir),
        "team_report": str(report_dir / keys.TEAM_REPORT),
        "team": summary,
    }
    _audit(
        "batch",
        {"mode": mode, "files": len(files), "replayed": replayed, "failed": len(failed)},
    )
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if todo and not replayed else 0


def _schedule(
    ray: Any,
    settings: dict[str, Any],
    todo: list[tuple[Path, str]],
    names: dict[Path, str],
    workers: int,
    per_worker: int,
    report_dir: Path,
    records: dict[Path, dict[str, Any]],
    failed: list[dict[str, str]],
    retried: list[str],
    progress: Progress,
    worker_class: type | None = None,
) -> None:
    """Hand files to idle workers until every file is done or failed (`worker_class`: a
    stand-in for `ReplayWorker`, for tests of a worker that dies)."""
    from ray.exceptions import RayActorError, WorkerCrashedError

    from desktop.batch.worker import ReplayWorker

    actor_class = ray.remote(num_cpus=per_worker, max_restarts=0, max_task_retries=0)(
        worker_class or ReplayWorker
    )
    ranks = iter(range(1 << 30))

    def start() -> Any:
        return actor_class.remote(settings, per_worker, next(ranks))

    actors: dict[int, Any] = {i: start() for i in range(workers)}
    replacements = workers  # at most as many fresh workers as the batch started with
    idle = list(actors)
    pending: deque[tuple[Path, str, int | None]] = deque(
        (f, key, None) for f, key in todo
    )  # (file, key, worker it died on)
    attempts: dict[Path, int] = {}
    inflight: dict[Any, tuple[int, Path, str]] = {}
    while pending or inflight:
        while idle and pending:
            f, key, avoid = pending.popleft()
            choice = next((i for i in idle if i != avoid), idle[0])
            idle.remove(choice)
            attempts[f] = attempts.get(f, 0) + 1
            ref = actors[choice].replay.remote(f.name, f.read_bytes())
            inflight[ref] = (choice, f, key)
        if not inflight:
            break
        ready, _ = ray.wait(list(inflight), num_returns=1)
        ref = ready[0]
        slot, f, key = inflight.pop(ref)
        try:
            result = ray.get(ref)
        except (RayActorError, WorkerCrashedError) as e:
            ray.kill(actors[slot], no_restart=True)
            if replacements > 0:
                replacements -= 1
                actors[slot] = start()
                idle.append(slot)
            else:
                del actors[slot]
            if attempts[f] < 2 and actors:
                retried.append(f.name)
                pending.appendleft((f, key, slot))
                print(f"parley replay: a worker died on {f.name}; retrying it", file=sys.stderr)
            else:
                _fail(f, f"its worker died twice ({type(e).__name__})", failed, progress)
            if not actors:
                while pending:
                    lost, _, _ = pending.popleft()
                    _fail(lost, "no worker was left to replay it", failed, progress)
            continue
        idle.append(slot)
        if not result.get("ok"):
            _fail(f, str(result.get("error", "unknown error")), failed, progress)
            continue
        name = names[f]
        keys.write_atomic(report_dir / name, result["html"].encode("utf-8"))
        record = {
            "key": key,
            "input": f.name,
            "report": name,
            "audio_s": result["audio_s"],
            "wall_s": round(result["wall_s"], 3),
            "facts": result["facts"],
            "version": __version__,
        }
        keys.write_record(report_dir, name, record)
        records[f] = record
        progress.done += 1
        progress.audio_s += float(result["audio_s"])
        print(progress.line(f.name, f"report {name}"), file=sys.stderr, flush=True)
    for actor in actors.values():
        ray.kill(actor, no_restart=True)


def _fail(f: Path, message: str, failed: list[dict[str, str]], progress: Progress) -> None:
    failed.append({"name": f.name, "error": message})
    progress.failed += 1
    print(progress.line(f.name, f"FAILED: {message}"), file=sys.stderr, flush=True)

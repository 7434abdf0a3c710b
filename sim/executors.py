"""Where replications and sweep points run: in this process, local processes, or Dask.

One option, ``executor``, chooses the place; the work and its results are the same in each:

==========================  ===============================================================
``None``                    ``workers=1``: in this process; ``workers=N``: N local processes
``"serial"``                in this process, one replication after another
``"processes"``             local processes: ``workers`` of them, or one per core; a worker
                            that dies costs only its own replication, which is retried
``"dask"``                  a Dask LocalCluster started here (``workers`` processes, or one per
                            core) and reused by later calls in this Python process
``"tcp://host:8786"``       the Dask scheduler at that address (any cluster, e.g. SLURM workers
                            started with dask-jobqueue; see README)
a ``distributed.Client``    that client's cluster, used as it is and never closed here
==========================  ===============================================================

Work is shipped as plain data, a config, a seed and a replication index, and every
replication builds its random streams from ``SeedSequence(seed, spawn_key=(replication,))``.
Results come back as plain data and are put back in task order, so the same seed and config
give identical results whichever executor runs them. Replications travel in batches (a few
per task) so that scheduling overhead stays small next to the simulation itself.

This module knows nothing of replications: it runs a function over items (the runner ships
replications through it and imports it; it imports nothing from the runner). An exception
inside a replication is caught where it runs and comes back as a
:class:`~sim.runner.Failure` record. If the infrastructure fails instead (a worker process
dies, a task cannot be sent), the replications of the batches that did not come back are
recorded as failures too and the finished ones are kept.
"""

from __future__ import annotations

import atexit
import logging
import math
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import ConfigError

ProgressCallback = Callable[[int, int], None]

ALLOWED_EXECUTORS = (
    "'serial', 'processes', 'dask', a Dask scheduler address such as 'tcp://host:8786', "
    "or a dask.distributed.Client"
)
NAMED = ("serial", "processes", "dask")
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss|inproc)://\S+|[A-Za-z0-9_.-]+:\d{1,5})$")

# Each task carries at most this many replications, and there are about eight tasks per
# worker: enough batching to hide the scheduler's per-task cost (milliseconds) behind
# replications that take tenths of a second or more, while the last batches leave workers
# idle for at most about an eighth of the run and the progress bar keeps moving.
MAX_BATCH = 16
TASKS_PER_WORKER = 8


def default_workers() -> int:
    """Workers when none are given: one per core, at most 8 (memory grows with each)."""
    import os

    return max(1, min(os.cpu_count() or 1, 8))


# ------------------------------------------------------------------------------------------
def _run_batch(fn: Callable[[Any], Any], batch: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Runs on the worker: one task, several items, each result tagged with its index."""
    return [(index, fn(item)) for index, item in batch]


def _batches(items: Sequence[Any], workers: int,
             batch_size: int | None = None) -> list[list[tuple[int, Any]]]:
    n = len(items)
    size = batch_size or max(1, min(MAX_BATCH, math.ceil(n / (max(workers, 1) * TASKS_PER_WORKER))))
    indexed = list(enumerate(items))
    return [indexed[k:k + size] for k in range(0, n, size)]


class Executor:
    """Runs ``fn`` over items somewhere; yields ``(index, result)`` as results arrive."""

    kind = "serial"

    def __init__(self, workers: int = 1, batch_size: int | None = None):
        self.workers = workers
        self.batch_size = batch_size

    def describe(self) -> str:
        return self.kind

    def imap_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any],
                       on_error: Callable[[Any, BaseException], Any]
                       ) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            try:
                result = fn(item)
            except Exception as exc:
                result = on_error(item, exc)
            yield index, result

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any],
            on_error: Callable[[Any, BaseException], Any],
            progress: ProgressCallback | None = None) -> list[Any]:
        """Results in the order of ``items``, whatever order they finished in."""
        items = list(items)
        total = len(items)
        out: list[Any] = [None] * total
        done = 0
        for index, result in self.imap_unordered(fn, items, on_error):
            out[index] = result
            done += 1
            if progress:
                progress(done, total)
        return out


class SerialExecutor(Executor):
    kind = "serial"


class ProcessExecutor(Executor):
    """Local worker processes, reused between calls.

    Each worker takes one item at a time. If a worker dies (a crash, the out-of-memory
    killer, ``kill -9``), only the item it held is affected: the worker is replaced and the
    item is tried again, up to :data:`RETRIES` more times, as Dask does; every other item,
    finished or not, is unaffected. Workers exit when the process that started them dies
    (Linux: the kernel signals them; elsewhere they notice within a second).
    """

    kind = "processes"

    def describe(self) -> str:
        return f"processes({self.workers})"

    def imap_unordered(self, fn, items, on_error):
        if len(items) <= 1 or self.workers <= 1:
            # Starting a pool for a single replication costs more than it saves.
            yield from Executor.imap_unordered(self, fn, items, on_error)
            return
        pool, shared = _borrow_pool(self.workers)
        try:
            yield from pool.imap_unordered(fn, items, on_error)
        finally:
            _return_pool(pool, shared)


# A worker that dies costs its item this many further attempts (Dask allows 3 in all).
RETRIES = 2


class WorkerDied(RuntimeError):
    """A worker process ended while running an item, every time the item was tried."""


def _worker_main(conn, parent_pid: int) -> None:  # pragma: no cover - runs in the child
    import os
    import pickle
    import signal

    _die_with_parent(parent_pid)
    # Ctrl-C is the parent's to handle: it stops the pool (and so this worker) itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if message is None:
            return
        key, fn, item = message
        try:
            conn.send((key, True, fn(item)))
        except Exception as exc:  # the item's own error, or a result that does not pickle
            try:
                conn.send((key, False, pickle.dumps(exc)))
            except Exception:
                conn.send((key, False, pickle.dumps(RuntimeError(repr(exc)))))


def _die_with_parent(parent_pid: int) -> None:  # pragma: no cover - runs in the child
    """Leave as soon as the parent process has gone, even in the middle of a replication.

    Not the kernel's parent-death signal (Linux ``PR_SET_PDEATHSIG``): that fires when the
    parent *thread* that started the worker ends, and pools are started from threads that
    end (the app's warm-up, each run's reader), so the workers died with them and every
    run paid for starting a new pool."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="caresim-parent-watch").start()


class _Worker:
    def __init__(self, ctx):
        import os

        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[int, Any] | None = None  # (index, item) being run

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=2)
        self.conn.close()


class _Pool:
    """A fixed number of worker processes, one item each at a time, replaced when they die."""

    def __init__(self, workers: int):
        import multiprocessing

        # spawn: safe from a threaded parent (the app), the same on every platform.
        self.ctx = multiprocessing.get_context("spawn")
        self.size = workers
        self.workers = [_Worker(self.ctx) for _ in range(workers)]

    def imap_unordered(self, fn, items, on_error):
        import pickle
        from multiprocessing.connection import wait

        queue = list(enumerate(items))
        queue.reverse()
        attempts: dict[int, int] = {}
        running = 0
        try:
            while queue or running:
                for w in self.workers:
                    if w.job is None and queue:
                        index, item = queue.pop()
                        w.job = (index, item)
                        try:
                            w.conn.send((index, fn, item))
                        except (OSError, ValueError):
                            pass  # a dead worker: found below through its sentinel
                        running += 1
                ready = wait([w.conn for w in self.workers if w.job is not None]
                             + [w.process.sentinel for w in self.workers if w.job is not None])
                for i, w in enumerate(self.workers):
                    if w.job is None:
                        continue
                    if w.conn in ready:
                        try:
                            key, ok, payload = w.conn.recv()
                        except (EOFError, OSError):
                            pass  # died while answering: handled as a death below
                        else:
                            index, item = w.job
                            w.job = None
                            running -= 1
                            yield index, (payload if ok else on_error(item, pickle.loads(payload)))
                            continue
                    if w.process.sentinel in ready or not w.process.is_alive():
                        index, item = w.job
                        w.job = None
                        running -= 1
                        code = w.process.exitcode
                        w.conn.close()
                        self.workers[i] = _Worker(self.ctx)
                        attempts[index] = attempts.get(index, 0) + 1
                        if attempts[index] <= RETRIES:
                            queue.append((index, item))
                        else:
                            yield index, on_error(item, WorkerDied(
                                f"the worker process running this item died {attempts[index]} "
                                f"times (last exit code {code})"))
        except BaseException:
            # Interrupted: workers may hold half-done items; do not reuse them.
            self.close()
            raise

    @property
    def alive(self) -> bool:
        return bool(self.workers) and all(w.process.is_alive() for w in self.workers)

    def close(self) -> None:
        workers, self.workers = self.workers, []
        for w in workers:
            w.stop()


def _import_model(_: Any) -> None:
    import importlib

    importlib.import_module("sim.engine")


def warm_up(workers: int) -> None:
    """Start the shared pool of ``workers`` processes and import the model in each, so the
    first run does not wait for them (the app calls this while the planner chooses)."""
    if workers > 1:
        ProcessExecutor(workers).map(_import_model, [None] * workers, lambda item, exc: None)


_pools: dict[int, _Pool] = {}
_pools_busy: dict[int, int] = {}  # pool size -> thread using it
_pools_lock = threading.Lock()
_pool_free = threading.Condition(_pools_lock)


def _borrow_pool(workers: int) -> tuple[_Pool, bool]:
    """The shared pool of this size, started once and reused. A second caller (another app
    session) waits for it rather than start more processes: the cores are the limit either
    way, and memory stays bounded by one pool. A thread already using it gets a private one."""
    me = threading.get_ident()
    with _pool_free:
        while workers in _pools_busy:
            if _pools_busy[workers] == me:
                return _Pool(workers), False
            _pool_free.wait()
        pool = _pools.get(workers)
        if pool is None or not pool.alive:
            if pool is not None:
                pool.close()
            pool = _pools[workers] = _Pool(workers)
            atexit.register(pool.close)
        _pools_busy[workers] = me
        return pool, True


def _return_pool(pool: _Pool, shared: bool) -> None:
    if not shared:
        pool.close()
        return
    with _pool_free:
        _pools_busy.pop(pool.size, None)
        _pool_free.notify_all()


class DaskExecutor(Executor):
    """A Dask distributed cluster: a LocalCluster, a scheduler address, or a given Client."""

    kind = "dask"

    def __init__(self, client: Any, label: str, batch_size: int | None = None):
        super().__init__(workers=_cluster_threads(client), batch_size=batch_size)
        self.client = client
        self.label = label

    def describe(self) -> str:
        return f"dask({self.label}, {_cluster_threads(self.client)} worker threads)"

    def imap_unordered(self, fn, items, on_error):
        from distributed import as_completed

        # Worker count can change on an adaptive cluster; size the batches for now.
        batches = _batches(items, _cluster_threads(self.client) or 1, self.batch_size)
        futures = {self.client.submit(_run_batch, fn, batch, pure=False): batch
                   for batch in batches}
        try:
            for future in as_completed(futures):
                batch = futures[future]
                try:
                    results = future.result()
                except Exception as exc:  # KilledWorker, a lost connection, ...
                    results = [(index, on_error(item, exc)) for index, item in batch]
                future.release()
                yield from results
        finally:
            # Stopped early (Ctrl-C, an error in the caller): do not leave work queued.
            for future in futures:
                if not future.done():
                    future.cancel()


def _cluster_threads(client: Any) -> int:
    try:
        info = client.scheduler_info()
        return sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
    except Exception:  # a cluster still starting reports nothing yet
        return 0


# ------------------------------------------------------------------------------------------
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _local_dask_client(workers: int) -> Any:
    """A LocalCluster of ``workers`` single-threaded processes, started once per process.

    Processes rather than threads: a replication is pure Python and holds the GIL.
    """
    key = f"local:{workers}"
    with _clients_lock:
        client = _clients.get(key)
        if client is not None and client.status == "running":
            return client
        from distributed import Client, LocalCluster

        # The scheduler runs in this process; its routine INFO messages would flood the
        # user's output (Hydra logs everything at INFO). The dashboard takes a free port so
        # that two clusters (or another user's) never collide on 8787.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
        _clients[key] = client
        # Registered after distributed's own exit hooks, so it runs before them and closes
        # the cluster quietly.
        atexit.register(shutdown)
        return client


# Seconds to wait for a scheduler to greet and for the client to connect.
CONNECT_TIMEOUT = 10.0


def _probe_scheduler(address: str) -> None:
    """Fail fast unless something at a tcp address speaks first, as a Dask scheduler does.

    A Dask scheduler writes its handshake as soon as a connection opens; a web server or
    most other services wait for the client, and the Dask client would then wait for ever.
    """
    import socket

    text = address.removeprefix("tcp://")
    if "://" in text:
        return  # tls, ucx, ...: left to the client's own timeout
    host, _, port = text.rpartition(":")
    try:
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"executor = {address!r}: no Dask scheduler answered at that address ({exc}). "
            "Start one (dask scheduler, or dask-jobqueue on a cluster) or use "
            "executor=processes.", [("executor", address, ALLOWED_EXECUTORS)]) from None
    with sock:
        sock.settimeout(CONNECT_TIMEOUT / 2)
        try:
            first = sock.recv(16)
        except OSError:  # silence: the service waits for the client to speak first
            first = b""
    if not first or first.startswith((b"HTTP", b"SSH", b"<")):
        raise ConfigError(
            f"executor = {address!r}: the service there is not a Dask scheduler (it did not "
            "greet as one within "
            f"{CONNECT_TIMEOUT / 2:g} s). Check the address (the scheduler port, usually "
            "8786, not the dashboard) or use executor=processes.",
            [("executor", address, ALLOWED_EXECUTORS)])


def _remote_dask_client(address: str) -> Any:
    with _clients_lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        from distributed import Client

        _probe_scheduler(address)
        try:
            client = Client(address, timeout=f"{CONNECT_TIMEOUT:g}s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"executor = {address!r}: no Dask scheduler answered at that address ({exc}). "
                "Start one (dask scheduler, or dask-jobqueue on a cluster) or use "
                "executor=processes.", [("executor", address, ALLOWED_EXECUTORS)]) from None
        _clients[address] = client
        atexit.register(shutdown)
        return client


def shutdown() -> None:
    """Close the worker pools, LocalClusters and scheduler connections opened here."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        cluster = getattr(client, "cluster", None)
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        except Exception:  # already gone at interpreter exit
            pass


def _is_dask_client(obj: Any) -> bool:
    if "distributed" not in sys.modules:
        return False
    from distributed import Client

    return isinstance(obj, Client)


def _bad(spec: Any, why: str = "") -> ConfigError:
    return ConfigError(
        f"executor = {spec!r}: must be {ALLOWED_EXECUTORS}{why}",
        [("executor", spec, ALLOWED_EXECUTORS)])


def validate_executor(spec: Any, workers: int = 1) -> None:
    """Raise ConfigError for a value that cannot name an executor (nothing is started)."""
    if spec is None or isinstance(spec, Executor) or _is_dask_client(spec):
        return
    if not isinstance(spec, str):
        raise _bad(spec)
    text = spec.strip()
    if text in NAMED or _ADDRESS.match(text):
        if text == "serial" and workers > 1:
            raise ConfigError(
                f"workers = {workers} cannot be used with executor = 'serial', which runs one "
                "replication at a time; use executor=processes or leave executor unset",
                [("workers", workers, "1 with executor='serial'")])
        if (text not in NAMED) and workers > 1:
            raise ConfigError(
                f"workers = {workers} cannot be used with executor = {text!r}: the cluster "
                "decides how many workers there are", [("workers", workers, "1")])
        return
    raise _bad(spec)


def resolve_executor(spec: Any = None, workers: int = 1,
                     batch_size: int | None = None) -> Executor:
    """The executor named by ``spec`` (see the module docstring), ready to use."""
    validate_executor(spec, workers)
    if isinstance(spec, Executor):
        return spec
    if _is_dask_client(spec):
        return DaskExecutor(spec, getattr(spec.scheduler, "address", "client"), batch_size)
    text = spec.strip() if isinstance(spec, str) else None
    if text is None:
        return ProcessExecutor(workers, batch_size) if workers > 1 else SerialExecutor()
    if text == "serial":
        return SerialExecutor()
    if text == "processes":
        return ProcessExecutor(workers if workers > 1 else default_workers(), batch_size)
    if text == "dask":
        n = workers if workers > 1 else default_workers()
        return DaskExecutor(_local_dask_client(n), "local", batch_size)
    return DaskExecutor(_remote_dask_client(text), text, batch_size)


# ------------------------------------------------------------------------------------------
class ProgressBar:
    """A progress callback ``(done, total)`` drawing a tqdm bar: done, rate and ETA.

    Shown only when standard error is a terminal unless ``disable=False``, so logs of batch
    jobs stay readable.
    """

    def __init__(self, desc: str = "replications", unit: str = "rep",
                 disable: bool | None = None):
        self.desc = desc
        self.unit = unit
        self.disable = disable
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=self.desc, unit=self.unit,
                             disable=self.disable, dynamic_ncols=True, smoothing=0.1)
        self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["ALLOWED_EXECUTORS", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
           "ProgressBar", "default_workers", "resolve_executor", "validate_executor",
           "shutdown", "warm_up"]

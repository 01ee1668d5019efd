"""Executors: where chunks of replications run. Results arrive as they finish, in any order;
the store puts them in replication order, so the executor never changes the numbers."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, Sequence

EXECUTORS = ("serial", "processes", "dask")
#: seconds to wait for a Dask scheduler to answer
CONNECT_TIMEOUT_S = 5
_PR_SET_PDEATHSIG = 1


class ExecutorError(ValueError):
    """An executor that cannot run as asked (a Dask scheduler that cannot be reached or named)."""


def end_with_parent(parent: int | None = None) -> None:
    """Worker initializer: end this worker when the process that started it ends, however it ends
    (``kill -9`` included). On Linux the kernel sends SIGTERM (``prctl(PR_SET_PDEATHSIG)``);
    everywhere a daemon thread also watches the parent's pid and exits when it changes.
    ``parent`` is the pid of the process that made the pool (it may have ended before this runs)."""
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watcher below still works
            pass
    if os.getppid() != parent:  # pragma: no cover - the parent ended before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="simshare-parent-watch", daemon=True).start()


def execute(fn: Callable, tasks: Sequence, executor: str = "serial", workers: int = 1,
            scheduler: str | None = None) -> Iterator:
    """Run ``fn(task)`` for every task and yield results as they complete."""
    if executor == "serial":
        for task in tasks:
            yield fn(task)
    elif executor == "processes":
        yield from _processes(fn, tasks, workers)
    elif executor == "dask":
        yield from _dask(fn, tasks, workers, scheduler)
    else:
        raise ValueError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")


def _processes(fn: Callable, tasks: Sequence, workers: int) -> Iterator:
    # an explicit spawn context: no change to the interpreter's global start method,
    # and no fork of a process that may hold threads or open files
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=end_with_parent,
                               initargs=(os.getpid(),))
    futures = [pool.submit(fn, task) for task in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BaseException:
        # interrupted (Ctrl-C) or failed: stop at once rather than wait for the chunks under way, which
        # can take a minute; the finished chunks are already stored for --resume
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    pool.shutdown(wait=True)


def _dask(fn: Callable, tasks: Sequence, workers: int, scheduler: str | None) -> Iterator:
    try:
        from distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise ValueError("--executor dask needs dask.distributed: pip install 'simshare[dask]'") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as err:
            raise ExecutorError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there within "
                                f"{CONNECT_TIMEOUT_S} s ({err})") from None
        except (ValueError, TypeError) as err:
            raise ExecutorError(f"--scheduler {scheduler!r}: not a scheduler address such as "
                                f"tcp://host:8786 ({err})") from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        futures = [client.submit(fn, task, pure=False) for task in tasks]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

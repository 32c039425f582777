"""The harness side of the witness workers: start, ask, time out, notice a death, restart.

A :class:`WorkerProcess` is one long-lived process per framework, started with
``spawn`` on first use. Waiting for a reply is bounded by the run's time limit: past
it the worker is killed (no signal is raised inside C++ code) and the request fails
with :class:`WitnessTimeout`. A worker that dies (a signal, ``os._exit``, out of
memory) fails its request with :class:`WorkerDied`, naming the signal; the next
request starts a fresh worker, so the run goes on.

Requests can also be queued (:meth:`WorkerProcess.later`): a thread of the harness
per worker sends them one at a time and waits for each reply, so every worker works
through its own queue while the harness computes the NumPy reference and finite
differences of the next samples. The time limit of a queued request starts when it
is sent. Requests queued inside :meth:`WorkerPool.together` go to each worker as one
batch (the harness sends a concept's samples so); when the worker dies or is killed on
one of them, the rest are sent again one at a time to a fresh worker. Within a batch
the time limit of each reply runs from the one before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from comparisons.limits import WitnessTimeout
from comparisons.witnesses import FRAMEWORKS
from comparisons.witnesses.protocol import pack, receive, send, send_packed

START_TIME_LIMIT = 300.0
"""Seconds a worker may take to import its framework (TensorFlow takes a few on a cold disk)."""


class WorkerDied(Exception):
    """A witness worker process ended while it held a request."""


class WitnessUnavailable(Exception):
    """The framework cannot be imported in its worker; ``reason`` says why."""


class RemoteError(Exception):
    """An implementation raised inside the worker; ``missing_module`` names a module that was not found."""

    def __init__(self, type_name: str, message: str, missing_module: str | None):
        super().__init__(f"{type_name}: {message}")
        self.missing_module = missing_module


def _death(framework: str, exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        return f"{framework} worker died: signal {number} ({name})"
    return f"{framework} worker died: exit code {exitcode}"


@dataclass
class WorkerProcess:
    """One framework's worker process, started on first use and restarted after a death."""

    framework: str
    process: Any = None
    conn: Any = None
    unavailable: str = ""
    version: str | None = None
    starts: int = 0
    _lock: Any = field(default_factory=threading.RLock, repr=False)
    _queue: ThreadPoolExecutor | None = field(default=None, repr=False)
    _held: list | None = field(default=None, repr=False)

    def _start(self) -> None:
        from comparisons.witnesses import worker

        context = multiprocessing.get_context("spawn")  # fork after importing a framework is unsafe
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker.serve, args=(child, self.framework), name=f"rosetta-{self.framework}", daemon=True
        )
        self.process.start()
        child.close()
        self.starts += 1
        reply = self._wait(START_TIME_LIMIT)
        if reply[0] == "unavailable":
            self.unavailable = reply[1]
            self.stop()
        else:
            self.version = reply[1]

    def available(self) -> bool:
        """Start the worker if needed; False (with :attr:`unavailable` set) when its framework cannot be imported."""
        with self._lock:
            if self.unavailable:
                return False
            if self.process is None:
                self._start()
            return not self.unavailable

    def _connection(self):
        """The pipe to the worker, started first when needed; WitnessUnavailable when its framework cannot be imported."""
        if not self.available():
            raise WitnessUnavailable(self.unavailable)
        return self.conn

    def submit(self, request: tuple) -> None:
        """Send one request (the worker is started first when needed)."""
        send(self._connection(), request)

    def _ask_packed(self, parts: list[bytes], time_limit: float) -> tuple[dict, float, str]:
        with self._lock:
            send_packed(self._connection(), parts)
            return self.result(time_limit)

    def result(self, time_limit: float) -> tuple[dict, float, str]:
        """Wait for the reply to the request in flight: (results, seconds in the worker, why gradients failed)."""
        reply = self._wait(time_limit)
        if reply[0] == "error":
            raise RemoteError(*reply[1:])
        return reply[1], reply[2], reply[3]

    def ask(self, request: tuple, time_limit: float) -> tuple[dict, float, str]:
        """:meth:`submit` then :meth:`result`."""
        with self._lock:  # one request in flight, whichever thread asks
            self.submit(request)
            return self.result(time_limit)

    def later(self, request: tuple, time_limit: float) -> Future:
        """Queue a request behind the others of this worker; the future holds what :meth:`ask` returns or raises.

        The request is pickled now: the caller may go on using its arrays. Inside
        :meth:`WorkerPool.together` it is held, and sent with the others held as one batch.
        """
        if self._held is not None:
            self._held.append((pack(request), time_limit, Future()))
            return self._held[-1][2]
        return self._enqueue(self._ask_packed, pack(request), time_limit)

    def _enqueue(self, function, *args) -> Future:
        if self._queue is None:
            self._queue = ThreadPoolExecutor(1, thread_name_prefix=f"rosetta-{self.framework}")
        return self._queue.submit(function, *args)

    def hold(self) -> None:
        """Keep the requests queued from now on until :meth:`release`."""
        self._held = []

    def release(self) -> None:
        """Queue the held requests as one batch (a single one goes alone)."""
        held, self._held = self._held or [], None
        if len(held) == 1:
            (parts, time_limit, future), = held
            self._enqueue(_settle, future, self._ask_packed, parts, time_limit)
        elif held:
            self._enqueue(self._ask_batch, held)

    def _ask_batch(self, held: list[tuple[list[bytes], float, Future]]) -> None:
        """Send a batch, then resolve each future from its reply, in order.

        When the worker dies or is killed on one of them, the rest are asked one at a
        time of a fresh worker, as if they had been queued alone.
        """
        with self._lock:
            try:
                conn = self._connection()
                send(conn, ("batch", len(held)))
                for parts, _, _ in held:
                    send_packed(conn, parts)
            except Exception as error:  # noqa: BLE001 - every future learns why
                for _, _, future in held:
                    future.set_exception(error)
                return
            for index, (_, time_limit, future) in enumerate(held):
                try:
                    future.set_result(self.result(time_limit))
                except (WitnessTimeout, WorkerDied) as error:
                    future.set_exception(error)
                    for parts, limit, rest in held[index + 1 :]:
                        _settle(rest, self._ask_packed, parts, limit)
                    return
                except Exception as error:  # noqa: BLE001
                    future.set_exception(error)

    def drain(self) -> None:
        """Drop the queued requests not yet sent and wait for the one in flight."""
        if self._queue is not None:
            self._queue.shutdown(wait=True, cancel_futures=True)
            self._queue = None

    def _wait(self, time_limit: float):
        if not self.conn.poll(time_limit):
            self.kill()
            raise WitnessTimeout(f"{self.framework} worker killed after the time limit of {time_limit:g} s")
        try:
            return receive(self.conn)
        except (EOFError, OSError):
            self.process.join(5)
            exitcode = self.process.exitcode
            self._forget()
            raise WorkerDied(_death(self.framework, exitcode)) from None

    def kill(self) -> None:
        with self._lock:
            if self.process is not None and self.process.pid is not None:
                self.process.kill()
                self.process.join(5)
            self._forget()

    def ask_to_stop(self) -> None:
        """Finish the request in flight, drop the queued ones, and tell the worker to exit."""
        self.drain()
        if self.process is not None and self.process.is_alive():
            try:
                send(self.conn, ("stop",))
            except OSError:
                pass

    def stop(self) -> None:
        """Ask the worker to exit, and make sure it does."""
        self.ask_to_stop()
        if self.process is not None:
            self.process.join(10)
        self.kill()

    def _forget(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None


def _settle(future: Future, function, *args) -> None:
    """Resolve ``future`` with what ``function(*args)`` returns or raises."""
    try:
        future.set_result(function(*args))
    except Exception as error:  # noqa: BLE001
        future.set_exception(error)


@dataclass
class WorkerPool:
    """The workers of one harness process, one per framework, started on first use."""

    frameworks: tuple[str, ...] = tuple(FRAMEWORKS)
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    holding: bool = False

    def worker(self, framework: str) -> WorkerProcess:
        if framework not in self.workers:
            self.workers[framework] = WorkerProcess(framework)
            if self.holding:
                self.workers[framework].hold()
        return self.workers[framework]

    @contextlib.contextmanager
    def together(self):
        """Requests queued inside go to each worker as one batch when it ends.

        A worker whose framework gains by it runs a batch's forward passes and pullbacks
        together (JAX: one compiled program); the others answer one request at a time.
        """
        self._hold(True)
        try:
            yield
        finally:
            self._hold(False)

    @contextlib.contextmanager
    def apart(self):
        """Inside :meth:`together`, for a caller that must wait for a reply: the requests held
        so far are sent, those queued inside go at once, and holding resumes afterwards
        (a held request is never answered)."""
        holding = self.holding
        self._hold(False)
        try:
            yield
        finally:
            self._hold(holding)

    def _hold(self, holding: bool) -> None:
        """Start holding every worker's requests, or send what each holds."""
        if holding != self.holding:
            self.holding = holding
            for worker in self.workers.values():
                if holding:
                    worker.hold()
                else:
                    worker.release()

    def close(self) -> None:
        """Stop every worker. All are told first, so that they shut down (seconds each) side by side."""
        for worker in self.workers.values():
            worker.ask_to_stop()
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

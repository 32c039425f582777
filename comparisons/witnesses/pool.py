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

A pool given ``cores`` shares out the end of a run: when fewer workers have work than
there are cores, and one framework's queue holds more work than twice the CPU time its
worker took to start, a second worker of that framework (a *helper*) starts and takes that
queue's requests too, those that keep nothing in a worker (every request but a forward
whose pullback is asked later, and that pullback).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from comparisons.limits import WitnessTimeout
from comparisons.witnesses import FRAMEWORKS
from comparisons.witnesses.protocol import keeps_state, pack, receive, send, send_packed

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
class _Job:
    """Queued work: ``run(worker)`` sends it to a worker of the framework and settles its futures."""

    run: Callable[[WorkerProcess], None]
    futures: list[Future]
    movable: bool
    """Whether a helper may take it (see :func:`keeps_state`)."""


class _Jobs:
    """A worker's queue, taken in order by the worker and, the movable jobs only, by its helper."""

    def __init__(self):
        self.jobs: deque[_Job] = deque()
        self.changed = threading.Condition()
        self.seconds: list[float] = []  # how long each job done so far took

    def put(self, job: _Job) -> None:
        with self.changed:
            self.jobs.append(job)
            self.changed.notify_all()

    def _first(self, movable_only: bool) -> int | None:
        """Where the first job a taker may take is (call with ``changed`` held)."""
        return next((i for i, job in enumerate(self.jobs) if job.movable or not movable_only), None)

    def take(self, movable_only: bool) -> _Job | None:
        with self.changed:
            index = self._first(movable_only)
            if index is None:
                return None
            job = self.jobs[index]
            del self.jobs[index]
            return job

    def wait(self, movable_only: bool, stopping: Callable[[], bool]) -> None:
        """Until there is a job to take, or ``stopping()``."""
        with self.changed:
            self.changed.wait_for(lambda: stopping() or self._first(movable_only) is not None)

    def wake(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def cancel(self) -> None:
        """Drop the jobs not yet taken; their futures are cancelled."""
        with self.changed:
            jobs, self.jobs = self.jobs, deque()
        for job in jobs:
            for future in job.futures:
                future.cancel()

    def waiting(self) -> bool:
        """Whether any job is queued."""
        return bool(self.jobs)

    def backlog(self) -> float:
        """Estimated seconds of the movable jobs queued: their count times the mean time of a job so far."""
        if not self.seconds:
            return 0.0
        with self.changed:
            movable = sum(job.movable for job in self.jobs)
        return movable * sum(self.seconds) / len(self.seconds)


@dataclass
class WorkerProcess:
    """One framework's worker process, started on first use and restarted after a death.

    A helper (``helping`` another worker of the framework) has no queue of its own: it
    takes the movable jobs of the one it helps.
    """

    framework: str
    process: Any = None
    conn: Any = None
    unavailable: str = ""
    version: str | None = None
    starts: int = 0
    start_seconds: float = 0.0
    """Wall time of the last start, from spawning to ready (a job's own time leaves it out)."""
    start_cpu_seconds: float = 0.0
    """CPU time the last start took in the worker: what a helper would need on an idle core."""
    helping: WorkerProcess | None = None
    on_change: Callable[[], None] | None = None
    """Called by the sending thread after each job, and when it finds nothing to send."""
    busy: bool = False
    _lock: Any = field(default_factory=threading.RLock, repr=False)
    _jobs: _Jobs = field(default_factory=_Jobs, repr=False)
    _sender: threading.Thread | None = field(default=None, repr=False)
    _sender_lock: Any = field(default_factory=threading.Lock, repr=False)
    _stopping: bool = field(default=False, repr=False)
    _held: list | None = field(default=None, repr=False)

    def _start(self) -> None:
        from comparisons.witnesses import worker

        context = multiprocessing.get_context("spawn")  # fork after importing a framework is unsafe
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker.serve, args=(child, self.framework), name=f"rosetta-{self.framework}", daemon=True
        )
        started = time.perf_counter()
        self.process.start()
        child.close()
        self.starts += 1
        reply = self._wait(START_TIME_LIMIT)
        self.start_seconds = time.perf_counter() - started
        if reply[0] == "unavailable":
            self.unavailable = reply[1]
            self.kill()  # it exits after saying so; the requests queued learn why from available()
        else:
            self.version, self.start_cpu_seconds = reply[1], reply[2]

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
        held = (pack(request), time_limit, Future(), not keeps_state(request))
        if self._held is not None:
            self._held.append(held)
        else:
            self._enqueue([held])
        return held[2]

    def hold(self) -> None:
        """Keep the requests queued from now on until :meth:`release`."""
        self._held = []

    def release(self) -> None:
        """Queue the held requests as one batch (a single one goes alone)."""
        held, self._held = self._held or [], None
        if held:
            self._enqueue(held)

    def _enqueue(self, held: list[tuple[list[bytes], float, Future, bool]]) -> None:
        if len(held) == 1:
            (parts, time_limit, future, movable), = held

            def run(worker):
                _settle(future, worker._ask_packed, parts, time_limit)
        else:
            def run(worker):
                worker._ask_batch([(parts, limit, future) for parts, limit, future, _ in held])
        self._jobs.put(_Job(run, [future for _, _, future, _ in held], all(movable for *_, movable in held)))
        self._start_sending()

    def _start_sending(self) -> None:
        with self._sender_lock:
            if self._sender is None:
                self._stopping = False
                self._sender = threading.Thread(target=self._send_jobs, name=f"rosetta-{self.framework}", daemon=True)
                self._sender.start()

    def _source(self) -> _Jobs:
        """The queue this worker takes its jobs from: its own, or that of the worker it helps."""
        return self.helping._jobs if self.helping else self._jobs

    def _send_jobs(self) -> None:
        """The sending thread: take this worker's jobs (a helper: the movable ones of the worker it helps), in order."""
        jobs, movable_only = self._source(), self.helping is not None
        while not self._stopping:
            job = jobs.take(movable_only)
            if job is None:
                if self.on_change:
                    self.on_change()
                jobs.wait(movable_only, lambda: self._stopping)
                continue
            self.busy = True
            started, starts = time.perf_counter(), self.starts
            try:
                job.run(self)
            finally:
                self.busy = False
                start_up = self.start_seconds if self.starts > starts else 0.0  # not the job's own time
                jobs.seconds.append(time.perf_counter() - started - start_up)
            if self.on_change:
                self.on_change()

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
        if self.helping is None:
            self._jobs.cancel()
        with self._sender_lock:
            sender, self._sender = self._sender, None
            self._stopping = True
        if sender is not None:
            self._source().wake()
            sender.join()

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
    """The workers of one harness process, one per framework, started on first use.

    With ``cores`` (the cores this run may use), a framework whose queue is long while
    fewer workers than that are busy gets a helper (see the module docstring).
    """

    frameworks: tuple[str, ...] = tuple(FRAMEWORKS)
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    holding: bool = False
    cores: int = 0
    helpers: dict[str, WorkerProcess] = field(default_factory=dict)
    _balancing: Any = field(default_factory=threading.Lock, repr=False)
    _closing: bool = field(default=False, repr=False)

    def worker(self, framework: str) -> WorkerProcess:
        if framework not in self.workers:
            self.workers[framework] = WorkerProcess(framework, on_change=self._share_out if self.cores else None)
            if self.holding:
                self.workers[framework].hold()
        return self.workers[framework]

    def _share_out(self) -> None:
        """Give a helper to the framework with the most work queued, when fewer workers have work
        than there are cores and that work outlasts twice the CPU time of the framework's start-up."""
        with self._balancing:
            workers = list(self.workers.items())
            occupied = sum(w.busy or w._jobs.waiting() for _, w in workers) + sum(h.busy for h in self.helpers.values())
            if self._closing or occupied >= self.cores:
                return
            behind = [
                (backlog, framework) for framework, worker in workers
                if framework not in self.helpers and worker.version is not None
                and (backlog := worker._jobs.backlog()) > 2 * worker.start_cpu_seconds
            ]
            if behind:
                _, framework = max(behind)
                helper = WorkerProcess(framework, helping=self.workers[framework], on_change=self._share_out)
                self.helpers[framework] = helper
                helper._start_sending()

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
        with self._balancing:
            self._closing = True  # no helper starts from here on
            workers = [*self.helpers.values(), *self.workers.values()]
            self.helpers.clear()
        for worker in workers:
            worker.ask_to_stop()
        for worker in workers:
            worker.stop()
        self.workers.clear()
        self._closing = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

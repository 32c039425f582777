"""A wall-clock limit for the work done in the harness process (the NumPy reference, finite differences).

Framework witnesses are bounded differently: their worker is killed when its reply
is late (:mod:`comparisons.witnesses.pool`), since a signal cannot interrupt C++ code.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class WitnessTimeout(Exception):
    """A witness ran past its time limit (in this process, or in a worker that was then killed)."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`WitnessTimeout` in the block after ``seconds`` of wall time.

    Uses ``SIGALRM``, so it interrupts Python code and blocking sleeps (a C kernel is
    interrupted when it returns to Python). Only the main thread receives signals:
    elsewhere, or with ``seconds`` None, the block runs without a limit.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise WitnessTimeout(f"timeout after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

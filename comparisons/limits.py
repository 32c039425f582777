"""A wall-clock limit for one witness call, so that a hanging implementation becomes a row."""

from __future__ import annotations

import contextlib
import signal
import threading


class WitnessTimeout(Exception):
    """Raised inside a witness call that ran past its time limit."""


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

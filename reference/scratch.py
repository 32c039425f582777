"""Reusable buffers for intermediate arrays that never leave the function that fills them.

A new large NumPy array is new memory from the operating system: every page costs a page
fault, and the kernel zeroes it, on first touch. The C library hands big freed blocks back
to the system, so a convolution that allocates its tile buffers afresh on every call spends
a third of its time in those faults. :func:`scratch` keeps one buffer per role and thread
instead, grown to the largest size asked for. Results handed to the caller (outputs,
gradients, caches) are never scratch.
"""

import threading

import numpy as np

_buffers = threading.local()


def scratch(role, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype``, the same memory on every call with this ``role``.

    The contents are whatever the previous user left; the next call with the same role (in
    the same thread) overwrites them, so the array must be dead by then.
    """
    pool = _buffers.__dict__.setdefault("pool", {})
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
    buffer = pool.get((role, dtype))
    if buffer is None or buffer.size < size:
        buffer = pool[(role, dtype)] = np.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)


def release():
    """Drop this thread's buffers (their memory goes back to the system)."""
    _buffers.__dict__.pop("pool", None)

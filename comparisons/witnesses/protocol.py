"""The messages between the harness and a witness worker, and how they cross the pipe.

The harness sends requests; the worker answers each with one reply, in order. One
request (or one batch) is outstanding per worker at a time.

Requests
--------
``("forward", key, function, inputs, params, grad_wrt, dout)``
    Run ``function(**inputs, **params)`` on framework tensors. Reply
    ``("ok", outputs, seconds, gradient_error)`` with the outputs as NumPy arrays by
    name. With ``dout`` given (the usual case: the harness knows the output's shape
    from the reference) the gradients of ``sum(out * dout)`` come in the same reply,
    or ``gradient_error`` says why they could not be taken; with ``dout`` None the
    pullback is kept under ``key`` (the witness's name; the next forward replaces it)
    when ``grad_wrt`` is not empty.
``("pullback", key, dout)``
    Gradients of ``sum(out * dout)`` for the forward kept under ``key``, which is
    then released. Reply ``("ok", {"dx": ..., ...}, seconds, "")``.
``("call", function, inputs, params, gradient_of)``
    One side of a catalog mapping: ``{"out": result}``, or with ``gradient_of`` the
    gradient of ``sum(out)`` with respect to that input. Reply ``("ok", {"out": ...}, seconds, "")``.
``("batch", n)``
    The next ``n`` messages are requests, answered in order with one reply each. A
    framework that gains by it (JAX) runs a batch of forward requests with ``dout`` as
    one program, each reply then carrying an equal share of the seconds; if that
    raises, or for any other batch, the requests are answered one at a time.
``("stop",)``
    Exit. No reply.

Replies besides ``ok``: ``("ready", version, cpu_seconds)`` (the CPU time the start-up
took) and ``("unavailable", reason)`` once at
start-up, and ``("error", type_name, message, missing_module)`` when a request raised
(``missing_module`` is the name of a module that could not be found, else None).

Arrays travel as pickle protocol 5 out-of-band buffers: the pickle stream holds only
their headers, and each buffer is written to the pipe straight from the array's memory.
"""

from __future__ import annotations

import pickle
import struct
from multiprocessing.connection import Connection
from typing import Any

_COUNT = struct.Struct("<I")


def keeps_state(request: tuple) -> bool:
    """Whether a request leaves a pullback in its worker (a forward with ``grad_wrt`` and no
    ``dout``), or asks for one: it must go to that worker and no other of its framework."""
    kind = request[0]
    return kind == "pullback" or (kind == "forward" and request[6] is None and bool(request[5]))


def send(conn: Connection, message: Any) -> None:
    """Write one message: a header with the buffer count and the pickle stream, then each buffer."""
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    conn.send_bytes(_COUNT.pack(len(buffers)) + stream)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def pack(message: Any) -> list[bytes]:
    """The parts :func:`send` would write, copied now: a message to send later, whatever happens to its arrays."""
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    return [_COUNT.pack(len(buffers)) + stream, *(bytes(buffer.raw()) for buffer in buffers)]


def send_packed(conn: Connection, parts: list[bytes]) -> None:
    """Write a message made by :func:`pack`."""
    for part in parts:
        conn.send_bytes(part)


def receive(conn: Connection) -> Any:
    """Read one message written by :func:`send` (arrays come back read-only, without a copy)."""
    head = conn.recv_bytes()
    (count,) = _COUNT.unpack_from(head)
    buffers = [conn.recv_bytes() for _ in range(count)]
    return pickle.loads(memoryview(head)[_COUNT.size :], buffers=buffers)

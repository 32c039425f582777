"""The loop a witness worker process runs: import the framework once, then answer requests.

Started with ``spawn`` by :class:`comparisons.witnesses.pool.WorkerProcess`. Its
stdout and stderr go to /dev/null: framework start-up logs and deprecation notices
never reach the user's terminal, and results only travel through the pipe.
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing.connection import Connection

from comparisons.witnesses import FRAMEWORKS
from comparisons.witnesses.protocol import receive, send


def _silence_output() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


NOT_IMPORTED = {"sklearn": "", "jax": "jax"}
"""Modules a framework would import at start-up though its witness does not use them: module ->
the one worker that may import it ("" for none). Keras imports scikit-learn for its estimator
wrappers when TensorFlow is imported (1.6 s of CPU, a quarter of TensorFlow's import), and
TensorFlow's TFLite utilities import jax when it is installed (0.8 s, in the tensorflow and onnx
workers). Blocked in the workers; the harness draws datasets with scikit-learn."""


def _block_unused_imports(framework: str) -> None:
    for module, allowed_in in NOT_IMPORTED.items():
        if framework != allowed_in:
            sys.modules.setdefault(module, None)  # `import jax` raises ImportError, which both callers expect


def _resolve(function):
    return function.resolve() if hasattr(function, "resolve") else function


def _text(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:500]


def _error_reply(error: BaseException) -> tuple:
    text = " ".join(str(error).split())
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    return ("error", type(error).__name__, text[:500], missing)


def _forward_and_pullback(adapter, function, inputs, params, grad_wrt, dout) -> tuple[dict, str]:
    """Outputs and gradients in one go; when that fails, the forward alone (raising if it fails too),
    so that a broken gradient leaves the outputs comparable: (results, why the gradients failed)."""
    try:
        return adapter.forward_and_pullback(function, inputs, params, grad_wrt, dout), ""
    except Exception:  # noqa: BLE001 - find out which half fails
        results, pullback = adapter.forward(function, inputs, params, grad_wrt)
        try:
            return {**results, **pullback(dout)}, ""
        except Exception as error:  # noqa: BLE001
            return results, _text(error)


def serve(conn: Connection, framework: str) -> None:
    """Answer requests from the harness until it says stop or closes the pipe."""
    _silence_output()
    _block_unused_imports(framework)
    spec = FRAMEWORKS[framework]
    try:
        adapter = spec.make_adapter()
        adapter.setup()
    except BaseException as error:  # noqa: BLE001 - a broken install is as good as a missing one
        send(conn, ("unavailable", f"{spec.module} cannot be imported: {type(error).__name__}: {error}"))
        return
    send(conn, ("ready", spec.version(), time.process_time()))
    pullbacks = {}
    while True:
        try:
            request = receive(conn)
        except (EOFError, OSError):
            return
        if request[0] == "stop":
            return
        if request[0] == "batch":
            for reply in _batch_replies(adapter, [receive(conn) for _ in range(request[1])], pullbacks):
                send(conn, reply)
        else:
            send(conn, _reply(adapter, request, pullbacks))


def _reply(adapter, request: tuple, pullbacks: dict) -> tuple:
    """Answer one request (see :mod:`comparisons.witnesses.protocol`); ``pullbacks`` keeps forwards awaiting theirs."""
    kind = request[0]
    start = time.perf_counter()
    gradient_error = ""
    try:
        if kind == "forward":
            _, key, function, inputs, params, grad_wrt, dout = request
            if dout is not None:
                results, gradient_error = _forward_and_pullback(
                    adapter, _resolve(function), inputs, params, tuple(grad_wrt), dout
                )
            else:
                results, pullback = adapter.forward(_resolve(function), inputs, params, tuple(grad_wrt))
                if pullback is not None:
                    pullbacks[key] = pullback
        elif kind == "pullback":
            _, key, dout = request
            results = pullbacks.pop(key)(dout)
        elif kind == "call":
            _, function, inputs, params, gradient_of = request
            results = {"out": adapter.call(_resolve(function), inputs, params, gradient_of)}
        else:
            raise ValueError(f"unknown request {kind!r}")
    except Exception as error:  # noqa: BLE001 - every failure becomes an error row
        return _error_reply(error)
    return ("ok", results, time.perf_counter() - start, gradient_error)


def _batch_replies(adapter, requests: list[tuple], pullbacks: dict):
    """The replies to a batch, in order: computed together when the framework gains by it
    (:meth:`~comparisons.witnesses.adapter.Adapter.forward_and_pullbacks`), else one at a time,
    each sent as soon as it is ready. Together, each reply carries an equal share of the time."""
    if all(r[0] == "forward" and r[6] is not None for r in requests):
        start = time.perf_counter()
        try:
            results = adapter.forward_and_pullbacks(
                [(_resolve(function), inputs, params, tuple(grad_wrt), dout) for _, _, function, inputs, params, grad_wrt, dout in requests]
            )
        except Exception:  # noqa: BLE001 - one at a time instead, so each failure is its own
            results = None
        if results is not None:
            seconds = (time.perf_counter() - start) / len(requests)
            yield from (("ok", r, seconds, "") for r in results)
            return
    for request in requests:
        yield _reply(adapter, request, pullbacks)

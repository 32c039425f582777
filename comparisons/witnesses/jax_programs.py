"""Traced JAX programs kept on disk between runs, under a key made of what they were traced from.

JAX's persistent compilation cache skips XLA's compile on a second run, but not the
tracing and the lowering to StableHLO that make its key: on a warm run those are most of
the JAX worker's time. This cache keeps each program as lowered, serialized with
``jax.export``, under a key made of everything its trace depends on:

- the *fingerprint*: the source of every module that runs while tracing (the
  implementation trees, the reference, the JAX adapter), the versions of the libraries
  they call and the XLA flags;
- the *signature*: the function's module and name, its static parameters, and the
  name, shape and dtype of every array argument.

Input values are arguments of the program, never part of it, so two calls with the same
key run the same program. A function that cannot be named by module and name (a closure,
a partial, a function outside these packages), parameters that are not plain values, or
a program ``jax.export`` refuses (a custom call without a stability guarantee, a host
callback) are traced every time, as before.

Why not the compiled executable itself (``jax.experimental.serialize_executable``)? It
loads in about half the time, but an executable that came from the compilation cache
serializes without its code (``NOT_FOUND: Function ... not found`` when the copy runs),
so keeping executables means compiling anew after every edit: 250 CPU seconds for the
default run, where a new export only misses the programs whose StableHLO changed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import types
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

TRACED = ("framework_impls", "reference", "comparisons.witnesses.adapter", "comparisons.witnesses.jax_adapter")
"""Packages and modules whose code runs while a JAX program is traced: an edit to any of them starts a new cache."""

LIBRARIES = ("jax", "jaxlib", "flax", "optax", "numpy")

KEPT_FINGERPRINTS = 3
"""Cache folders kept: the current code's and those of the most recently used before it."""


class Unkeyable(Exception):
    """A function or parameter that a program key cannot name exactly."""


def fingerprint() -> str:
    """Hash of everything outside a call's own signature that its traced program depends on."""
    digest = hashlib.sha256()
    for name in TRACED:
        for label, path in _sources(name):
            digest.update(f"{name}:{label}".encode())
            digest.update(path.read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}=={importlib.metadata.version(library)}".encode())
    digest.update(os.environ.get("XLA_FLAGS", "").encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:24]


def _sources(name: str) -> list[tuple[str, Path]]:
    """The source files of a package (each with its path inside it) or of a module."""
    spec = importlib.util.find_spec(name)
    if not spec.submodule_search_locations:
        return [(Path(spec.origin).name, Path(spec.origin))]
    return [(str(p.relative_to(f)), p) for f in spec.submodule_search_locations for p in sorted(Path(f).rglob("*.py"))]


def function_name(function: Callable) -> str:
    """``module:qualname`` of a module-level function of :data:`TRACED`, which names it exactly
    (the fingerprint covers its source; a function defined elsewhere, in a test, is not kept)."""
    if not isinstance(function, types.FunctionType) or "<locals>" in function.__qualname__:
        raise Unkeyable(f"{function!r} is not a module-level function")
    if not any(function.__module__ == name or function.__module__.startswith(f"{name}.") for name in TRACED):
        raise Unkeyable(f"{function.__module__} is outside {', '.join(TRACED)}")
    module = sys.modules.get(function.__module__)
    if getattr(module, function.__qualname__, None) is not function:
        raise Unkeyable(f"{function.__qualname__} is not {function.__module__}.{function.__qualname__}")
    return f"{function.__module__}:{function.__qualname__}"


def static_text(value: Any) -> str:
    """An exact text for a static parameter: plain Python and NumPy scalars, in containers."""
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return repr(value)  # repr of a float round-trips; a NumPy scalar's names its dtype
    if isinstance(value, (tuple, list)):
        return type(value).__name__ + "(" + ",".join(map(static_text, value)) + ")"
    if isinstance(value, dict):
        return "{" + ",".join(f"{static_text(k)}:{static_text(v)}" for k, v in sorted(value.items())) + "}"
    raise Unkeyable(f"a parameter of type {type(value).__name__}")


def array_text(arrays: Any) -> str:
    """Names, shapes and dtypes of the arrays in a tree of dicts, lists and tuples."""
    if isinstance(arrays, dict):
        return "{" + ",".join(f"{k}:{array_text(v)}" for k, v in sorted(arrays.items())) + "}"
    if isinstance(arrays, (tuple, list)):
        return "(" + ",".join(map(array_text, arrays)) + ")"
    return f"{arrays.dtype}{list(arrays.shape)}"


def program_signature(kind: str, calls: Sequence[tuple[Callable, Mapping, Sequence[str]]], arguments: Any) -> str:
    """The signature of a program: its kind, each call's function, static parameters and
    differentiated inputs, then the arguments' names, shapes and dtypes.

    Raises
    ------
    Unkeyable
        When a function or a parameter cannot be named exactly.
    """
    named = "|".join(f"{function_name(f)};{static_text(params)};{static_text(tuple(wrt))}" for f, params, wrt in calls)
    return f"{kind};{named};{array_text(arguments)}"


class ExportedPrograms:
    """Exported programs of this process, read from and written to ``folder / fingerprint``.

    Parameters
    ----------
    folder : Path
        The cache's root; one folder per fingerprint under it.
    fingerprint : str
        See :func:`fingerprint`.
    """

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = folder / fingerprint
        self.held: dict[str, Any] = {}
        if self.folder.exists():
            os.utime(self.folder)  # in use: the last folder :func:`_forget_older` would remove

    def run(self, signature: Callable[[], str], program: Callable, arguments: Any) -> Any:
        """``jax.jit(program)(arguments)``, from the program kept under ``signature()`` when there is one.

        Parameters
        ----------
        signature : callable
            Returns the program's signature text (see the module docstring); raises
            :class:`Unkeyable` when it cannot, and the program is then traced and not kept.
        program : callable
            A function of one argument, a tree of arrays, that ``jax.jit`` can trace.
        arguments : tree of jax.Array
        """
        import jax

        try:
            key = hashlib.sha256(signature().encode()).hexdigest()
        except Unkeyable:
            return jax.jit(program)(arguments)
        if key not in self.held:
            self.held[key] = self._read(key) or self._export(key, program, arguments)
        exported = self.held[key]
        return jax.jit(program)(arguments) if exported is None else exported.call(arguments)

    def _read(self, key: str):
        import jax

        try:
            return jax.export.deserialize(bytearray((self.folder / key).read_bytes()))
        except OSError:
            return None

    def _export(self, key: str, program: Callable, arguments: Any):
        """The program exported and written under ``key``; None when ``jax.export`` refuses it."""
        import jax

        try:
            exported = jax.export.export(jax.jit(program))(arguments)
        except (ValueError, NotImplementedError):  # unstable custom calls, callbacks, effects
            return None
        if not self.folder.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            _forget_older(self.folder.parent)
        partial = self.folder / f"{key}.{os.getpid()}.partial"
        partial.write_bytes(exported.serialize())
        os.replace(partial, self.folder / key)  # readers in other processes see it whole or not at all
        return exported


def _forget_older(root: Path) -> None:
    """Remove the cache folders of all but the :data:`KEPT_FINGERPRINTS` most recently used fingerprints."""
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders[KEPT_FINGERPRINTS:]:
        shutil.rmtree(folder, ignore_errors=True)

"""Traced JAX programs kept on disk between runs, under a key made of what they were traced from.

JAX's persistent compilation cache skips XLA's compile on a second run, but not the
tracing and the lowering to StableHLO that make its key: on a warm run those are most of
the JAX worker's time. This cache keeps each program as lowered, serialized with
``jax.export``, under a key made of everything its trace depends on:

- the *fingerprint*: the source of every module that runs while tracing (the
  implementation trees, the reference, the JAX adapter) and of this one, the versions of
  the libraries they call and the XLA flags;
- the *signature*: the function's module and name, its static parameters, and the
  name, shape and dtype of every array argument.

Input values are arguments of the program, never part of it, so two calls with the same
key run the same program. A function that cannot be named by module and name (a closure,
a partial, a function outside these packages), parameters that are not plain values, or
a program ``jax.export`` refuses (a host callback) are traced every time, as before.

Each exported program's compiled executable is kept too
(``jax.experimental.serialize_executable``), under the hash of the program's StableHLO
without its source locations (:func:`program_text`), in a folder named by the machine
(jaxlib's version, the XLA flags, the processor): after an edit, a program whose
StableHLO did not change is found there again. Calling the exported program instead would lower its wrapper and read XLA's
compilation cache every run, about half of what a kept program costs. Two precautions:

- an executable read from XLA's compilation cache serializes without its code (the copy
  fails with ``NOT_FOUND: Function ... not found``), so a kept executable is always
  compiled afresh: under compile options of its own (XLA's default for
  ``xla_embed_ir_in_executable``, which gives it a cache key no other compile has) and
  without writing to that cache;
- a program with a custom call (LAPACK's ``lstsq``, for one) is never kept compiled: jaxlib
  sets up such kernels while lowering a program that uses them, and an executable read
  back without that lowering crashed the worker (SIGSEGV). It is called as exported.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import pickle
import re
import shutil
import sys
import time
import types
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

TRACED = (
    "framework_impls", "reference", "comparisons.witnesses.adapter", "comparisons.witnesses.jax_adapter",
    "comparisons.witnesses.jax_programs",
)
"""Packages and modules whose code runs while a JAX program is traced, and this one (how programs
are kept): an edit to any of them starts a new cache."""

LIBRARIES = ("jax", "jaxlib", "flax", "optax", "numpy")

KEPT_FINGERPRINTS = 3
"""Cache folders kept: the current code's and those of the most recently used before it."""

KEPT_EXECUTABLE_DAYS = 7
"""Executables not used for this long are removed when a new fingerprint's folder is made."""

EXECUTABLE_OPTIONS = {"xla_embed_ir_in_executable": False}
"""XLA's default, given explicitly: a compile cache key that only kept executables have."""


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


def machine() -> str:
    """Hash of what a compiled executable is bound to: jaxlib's version, the XLA flags, the processor."""
    try:
        cpu = sorted({line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith(("model name", "flags"))})
    except OSError:
        import platform

        cpu = [platform.processor(), platform.machine()]
    text = "\n".join([importlib.metadata.version("jaxlib"), os.environ.get("XLA_FLAGS", ""), *cpu])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


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
    """Exported programs of this process, read from and written to ``folder / fingerprint``, and
    their executables, read from and written to ``folder / "executables-<machine>"``.

    Parameters
    ----------
    folder : Path
        The cache's root.
    fingerprint : str
        See :func:`fingerprint`.
    """

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = folder / fingerprint
        self.executables = folder / f"executables-{machine()}"
        self.held: dict[str, Callable] = {}
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
            self.held[key] = self._callable(key, program, arguments) or jax.jit(program)
        return self.held[key](arguments)

    def _callable(self, key: str, program: Callable, arguments: Any) -> Callable | None:
        """The kept program as a callable: its executable, or the exported program; None when not exportable."""
        import jax

        exported = None
        try:
            kept = (self.folder / key).read_bytes()
        except OSError:
            exported = _export(program, arguments)
            if exported is None:
                return None
            text = program_text(exported)
            # a custom call is named in the StableHLO text: such a program is kept exported only
            header = b"L" if "stablehlo.custom_call" in text else b"E " + hashlib.sha256(text.encode()).hexdigest().encode()
            kept = header + b"\n" + bytes(exported.serialize())
            first = not self.folder.exists()
            _write(self.folder, key, kept)
            if first:
                _forget_older(self.folder.parent)
        header, _, blob = kept.partition(b"\n")
        name = header[2:].decode() if header.startswith(b"E ") else None
        executable = self._executable(name) if name else None
        if executable is not None:
            return executable
        exported = exported or jax.export.deserialize(bytearray(blob))
        return self._compile(exported, arguments, name) if name else exported.call

    def _executable(self, name: str):
        from jax.experimental.serialize_executable import deserialize_and_load

        path = self.executables / name
        try:
            kept = path.read_bytes()
        except OSError:
            return None
        os.utime(path)  # in use (see KEPT_EXECUTABLE_DAYS)
        return deserialize_and_load(*pickle.loads(kept))

    def _compile(self, exported, arguments: Any, name: str):
        """Compile the exported program afresh (see the module docstring) and keep the executable under ``name``."""
        import jax
        from jax.experimental.serialize_executable import serialize

        threshold = jax.config.jax_persistent_cache_min_compile_time_secs
        jax.config.update("jax_persistent_cache_min_compile_time_secs", float("inf"))  # write nothing there
        try:
            compiled = jax.jit(exported.call).lower(arguments).compile(compiler_options=EXECUTABLE_OPTIONS)
        finally:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", threshold)
        try:
            _write(self.executables, name, pickle.dumps(serialize(compiled)))
        except (ValueError, NotImplementedError):  # constants or callbacks serialize_executable cannot carry
            pass
        return compiled


_LOCATION = re.compile(r'\s+loc\((?:"[^"]*"|[^()"]|\([^()]*\))*\)')
"""A source location in StableHLO text: `` loc(#loc3)``, `` loc("x")``."""


def program_text(exported) -> str:
    """What an exported program's executable depends on: its StableHLO text without the source
    locations (they name the lines that traced it, which an edit elsewhere shifts), and its
    argument and result trees."""
    lines = [_LOCATION.sub("", line) for line in exported.mlir_module().splitlines() if not line.startswith("#loc")]
    return "\n".join([*lines, str(exported.in_tree), str(exported.out_tree), str(exported.calling_convention_version)])


def _export(program: Callable, arguments: Any):
    """``program`` exported for ``arguments``; None when ``jax.export`` refuses it."""
    import jax

    try:
        return jax.export.export(jax.jit(program))(arguments)
    except (ValueError, NotImplementedError):  # unstable custom calls, callbacks, effects
        return None


def _write(folder: Path, name: str, blob: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{name}.{os.getpid()}.partial"
    partial.write_bytes(blob)
    os.replace(partial, folder / name)  # readers in other processes see it whole or not at all


def _forget_older(root: Path) -> None:
    """Remove the folders of all but the :data:`KEPT_FINGERPRINTS` most recently used fingerprints,
    and the executables not used for :data:`KEPT_EXECUTABLE_DAYS`."""
    folders = [p for p in root.iterdir() if p.is_dir()]
    programs = sorted((p for p in folders if not p.name.startswith("executables-")), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in programs[KEPT_FINGERPRINTS:]:
        shutil.rmtree(folder, ignore_errors=True)
    too_old = time.time() - KEPT_EXECUTABLE_DAYS * 86400
    for folder in folders:
        if folder.name.startswith("executables-"):
            for path in folder.iterdir():
                if path.stat().st_mtime < too_old:
                    path.unlink(missing_ok=True)

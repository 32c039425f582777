"""Traced JAX programs kept between runs (``comparisons.witnesses.jax_programs``): what names a program,
and that a kept program is the program a fresh trace gives."""

import functools
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from comparisons.witnesses import jax_programs
from comparisons.witnesses.jax_programs import (
    ExportedPrograms, Unkeyable, array_text, fingerprint, function_name, program_signature, program_text, static_text,
)

jax = pytest.importorskip("jax", reason="the jax extra is not installed")

from framework_impls.jax_impl import activations  # noqa: E402 - needs jax


X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
"""The input most tests run leaky_relu on."""


def leaky_relu_program(slope):
    return lambda arrays: {"out": activations.leaky_relu(arrays["x"], negative_slope=slope)}


def signature(params, arguments):
    return lambda: program_signature("forward", [(activations.leaky_relu, params, ())], arguments)


def run(programs, slope, x):
    arguments = {"x": jax.device_put(x)}
    params = {"negative_slope": slope}
    return np.asarray(programs.run(signature(params, arguments), leaky_relu_program(slope), arguments)["out"])


def never_traced(arguments):
    raise AssertionError("a kept program was traced again")


def test_a_kept_program_is_read_back_without_tracing(tmp_path):
    expected = np.where(X > 0, X, 0.25 * X)
    np.testing.assert_array_equal(run(ExportedPrograms(tmp_path, "code"), 0.25, X), expected)
    assert len(list((tmp_path / "code").iterdir())) == 1
    arguments = {"x": jax.device_put(X)}
    later = ExportedPrograms(tmp_path, "code")  # another process, another run
    out = later.run(signature({"negative_slope": 0.25}, arguments), never_traced, arguments)["out"]
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_other_parameters_shapes_or_code_are_other_programs(tmp_path):
    programs = ExportedPrograms(tmp_path, "code")
    for slope in (0.25, 0.5):
        np.testing.assert_array_equal(run(programs, slope, X), np.where(X > 0, X, slope * X))
    np.testing.assert_array_equal(run(programs, 0.5, X[:2]), np.where(X[:2] > 0, X[:2], 0.5 * X[:2]))
    np.testing.assert_array_equal(run(ExportedPrograms(tmp_path, "edited"), 0.1, X), np.where(X > 0, X, 0.1 * X))
    assert len(list((tmp_path / "code").iterdir())) == 3
    assert len(list((tmp_path / "edited").iterdir())) == 1


def test_a_program_export_refuses_runs_and_is_not_kept(tmp_path):
    def with_host_callback(arguments):
        doubled = jax.pure_callback(lambda x: 2 * x, jax.ShapeDtypeStruct((3,), np.float32), arguments["x"])
        return {"out": doubled + 1}

    arguments = {"x": jax.device_put(np.arange(3, dtype=np.float32))}
    out = ExportedPrograms(tmp_path, "code").run(lambda: "callback", with_host_callback, arguments)["out"]
    np.testing.assert_array_equal(np.asarray(out), [1, 3, 5])
    assert not (tmp_path / "code").exists()


def test_only_the_cache_folders_of_the_latest_fingerprints_are_kept(tmp_path):
    x = np.ones((2, 2), dtype=np.float32)
    for code in ("a", "b", "c", "d", "e"):
        run(ExportedPrograms(tmp_path, code), 0.5, x)
    programs = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("executables-"))
    assert programs == ["c", "d", "e"][-jax_programs.KEPT_FINGERPRINTS:]
    (executables,) = tmp_path.glob("executables-*")
    assert len(list(executables.iterdir())) == 1  # one program, whatever code exported it


def test_a_program_is_named_only_by_what_names_it_exactly():
    assert function_name(activations.leaky_relu) == "framework_impls.jax_impl.activations:leaky_relu"
    for unnamed in (lambda x: x, functools.partial(activations.leaky_relu, negative_slope=0.1), leaky_relu_program(0.1)):
        with pytest.raises(Unkeyable):
            function_name(unnamed)
    with pytest.raises(Unkeyable, match="outside"):
        function_name(never_traced)  # a test's function: its source is not in the fingerprint
    texts = [static_text(v) for v in (1, 1.0, True, np.float32(1), "1", (1,), [1], {"a": 1}, None)]
    assert len(set(texts)) == len(texts)
    assert static_text({"b": 1, "a": (0.1, None)}) == static_text({"a": (0.1, None), "b": 1})
    assert static_text(0.1) != static_text(0.1 + 2**-55)  # a float's repr round-trips
    with pytest.raises(Unkeyable):
        static_text({"weights": np.ones(3)})  # an array parameter would be a constant of the program
    shapes = [array_text({"x": np.ones(s, dtype=d)}) for s, d in (((2, 3), "float32"), ((3, 2), "float32"), ((2, 3), "float64"))]
    assert len(set(shapes)) == 3
    assert array_text({"x": np.ones(2)}) != array_text({"y": np.ones(2)})


def test_the_fingerprint_follows_the_source_of_the_traced_packages(tmp_path, monkeypatch):
    package = tmp_path / "traced_here"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "functions.py"
    module.write_text("def f(x):\n    return x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(jax_programs, "TRACED", ("traced_here",))
    before = fingerprint()
    assert fingerprint() == before
    module.write_text("def f(x):\n    return -x\n")
    assert fingerprint() != before
    sys.modules.pop("traced_here", None)


READ_BACK = """
import sys
import jax
import numpy as np
from pathlib import Path
from comparisons.witnesses.jax_programs import ExportedPrograms, program_signature
from framework_impls.jax_impl.activations import leaky_relu

def never_traced(arguments):
    raise AssertionError("a kept program was traced again")

jax.config.update("jax_compilation_cache_dir", sys.argv[2])
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
arguments = {"x": jax.device_put(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))}
signature = lambda: program_signature("forward", [(leaky_relu, {"negative_slope": 0.25}, ())], arguments)
program = never_traced if sys.argv[3] == "read" else (lambda a: {"out": leaky_relu(a["x"], negative_slope=0.25)})
print(np.asarray(ExportedPrograms(Path(sys.argv[1]), "code").run(signature, program, arguments)["out"]).tolist())
"""


def test_a_kept_executable_runs_in_another_process_with_xla_s_cache_warm(tmp_path):
    """An executable read from XLA's compilation cache would serialize without its code: a kept one is
    compiled afresh, so the copy runs in a new process even when that cache holds the program."""
    expected = np.where(X > 0, X, 0.25 * X).tolist()
    script = tmp_path / "read_back.py"
    script.write_text(READ_BACK)
    kept, xla = tmp_path / "kept", tmp_path / "xla"

    def in_a_process(step):
        done = subprocess.run([sys.executable, str(script), str(kept), str(xla), step], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.splitlines()[-1])

    assert in_a_process("write") == expected
    shutil.rmtree(kept)  # XLA's cache now holds the program; the kept executable must not come from it
    assert in_a_process("write") == expected
    (executables,) = kept.glob("executables-*")
    assert len(list(executables.iterdir())) == 1
    assert in_a_process("read") == expected


def test_a_program_with_a_custom_call_is_kept_exported_not_compiled(tmp_path):
    """jaxlib sets up a LAPACK kernel while lowering the program that calls it: read back compiled,
    without that lowering, the program crashed its process."""
    a = jax.device_put(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], dtype=np.float32))
    b = jax.device_put(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    solve = lambda arguments: {"out": jax.numpy.linalg.lstsq(arguments["a"], arguments["b"])[0]}  # noqa: E731
    out = ExportedPrograms(tmp_path, "code").run(lambda: "lstsq", solve, {"a": a, "b": b})["out"]
    np.testing.assert_allclose(np.asarray(out), [1.0, 1.0], atol=1e-5)
    (kept,) = (tmp_path / "code").iterdir()
    assert kept.read_bytes()[:1] == b"L"
    assert not any(p.iterdir() for p in tmp_path.glob("executables-*"))


def test_an_executable_is_named_by_its_program_not_by_the_lines_that_traced_it():
    """After an edit shifts the lines of the code that traces, the same program finds its executable."""
    x = jax.device_put(X)
    exports = []
    for blank_lines in (0, 5):  # the same caller, further down its file
        source = "\n" * blank_lines + "def export(program, x):\n    return jax.export.export(jax.jit(program))(x)\n"
        namespace = {"jax": jax}
        exec(compile(source, "caller.py", "exec"), namespace)
        exports.append(namespace["export"](lambda a: jax.vjp(activations.softmax, a)[1](a), x))
    assert exports[0].serialize() != exports[1].serialize()  # the locations differ
    assert program_text(exports[0]) == program_text(exports[1])
    assert "loc(" not in program_text(exports[0])
    other = jax.export.export(jax.jit(lambda a: jax.vjp(activations.softmax, a)[1](2 * a)))(x)
    assert program_text(other) != program_text(exports[0])


def test_a_program_traced_from_other_lines_finds_its_executable(tmp_path):
    arguments = {"x": jax.device_put(X)}
    first = lambda arguments: {"out": activations.leaky_relu(arguments["x"], negative_slope=0.25)}  # noqa: E731
    second = lambda arguments: {"out": activations.leaky_relu(arguments["x"], negative_slope=0.25)}  # noqa: E731
    for code, program in (("before-an-edit", first), ("after-it", second)):
        ExportedPrograms(tmp_path, code).run(signature({"negative_slope": 0.25}, arguments), program, arguments)
    (executables,) = tmp_path.glob("executables-*")
    assert len(list(executables.iterdir())) == 1

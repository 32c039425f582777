"""The JAX witness: jax.numpy arrays, gradients from ``jax.vjp``.

float64 needs ``jax_enable_x64``: without it JAX silently computes float64 inputs in
float32 (catalog entry ``jax-x64``). The flag is set here, in the worker, before any
array exists.

Eager JAX compiles every primitive for every new shape; each request is instead one
program compiled with ``jax.jit``: a sample's forward pass and its pullback, a batch of
a concept's samples together (``forward_and_pullbacks``: one lowering instead of one
per sample), a forward pass alone (the training loops), a catalog mapping's output or
gradient. XLA's compiles are kept on disk between runs (``JAX_CACHE``), and so are the
traced programs (``PROGRAM_CACHE``, :mod:`.jax_programs`), which spares a second run the
tracing and lowering too. An implementation that needs concrete values
(Python control flow on array values) runs eagerly instead, one sample at a time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from comparisons.witnesses.adapter import THREADS, Adapter, as_outputs, gradient_name
from comparisons.witnesses.jax_programs import ExportedPrograms, fingerprint, program_signature


JAX_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rosetta" / "jax"
"""Where XLA keeps its compiles between runs (the same lowered program compiles to the same executable)."""

PROGRAM_CACHE = JAX_CACHE.with_name("jax-programs")
"""Where the traced programs are kept between runs, under the key of what they were traced from."""


class JaxAdapter(Adapter):
    name = "jax"

    def setup(self):
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={THREADS}")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_compilation_cache_dir", str(JAX_CACHE))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        self.jax = jax
        self.jnp = jax.numpy
        self.needs_values = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError)
        self.programs = ExportedPrograms(PROGRAM_CACHE, fingerprint())

    def to_tensor(self, array, requires_grad=False):
        # device_put, not jnp.asarray: eager asarray compiles a small program for every new shape (20 ms each)
        return self.jax.device_put(np.asarray(array))

    def _run(self, kind: str, program, arguments, calls):
        """``program(arguments)`` compiled, its trace kept under its signature (``kind``, ``calls``:
        (function, params, grad_wrt) each, the arguments' shapes); eagerly when it needs concrete values."""
        try:
            return self.programs.run(lambda: program_signature(kind, calls, arguments), program, arguments)
        except self.needs_values:
            return program(arguments)

    def forward(self, function, inputs, params, grad_wrt):
        arrays = self._arrays(inputs)
        if not grad_wrt:
            outputs = self._run("forward", lambda arrays: as_outputs(function(**arrays, **params)), arrays, [(function, params, ())])
            return self.numpy_outputs(outputs), None

        outputs, vjp = self._outputs_and_vjp(function, arrays, params, grad_wrt)

        def pullback(dout):
            grads = vjp(self.to_tensor(dout))
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(grad_wrt, grads)}

        return self.numpy_outputs(outputs), pullback

    def _outputs_and_vjp(self, function, arrays, params, grad_wrt):
        """The outputs by name and ``jax.vjp``'s pullback of ``out`` with respect to the ``grad_wrt`` inputs."""

        def differentiable(*wrt):
            outputs = as_outputs(function(**{**arrays, **dict(zip(grad_wrt, wrt))}, **params))
            return outputs["out"], outputs

        _, vjp, outputs = self.jax.vjp(differentiable, *(arrays[k] for k in grad_wrt), has_aux=True)
        return outputs, vjp

    def _vjp(self, function, params, grad_wrt):
        """``((arrays, dout)) -> (outputs, gradients)``: the forward pass and its pullback, traceable as one program."""

        def forward_and_pullback(arguments):
            arrays, dout = arguments
            outputs, vjp = self._outputs_and_vjp(function, arrays, params, grad_wrt)
            return outputs, dict(zip(map(gradient_name, grad_wrt), vjp(dout)))

        return forward_and_pullback

    def _arrays(self, inputs):
        return {k: self.to_tensor(v) for k, v in inputs.items()}

    def _device_arguments(self, inputs, dout):
        return self._arrays(inputs), self.to_tensor(dout)

    def forward_and_pullback(self, function, inputs, params, grad_wrt, dout):
        program = self._vjp(function, params, grad_wrt)
        outputs, grads = self._run("vjp", program, self._device_arguments(inputs, dout), [(function, params, grad_wrt)])
        return {**self.numpy_outputs(outputs), **self.numpy_outputs(grads)}

    def forward_and_pullbacks(self, items):
        """A concept's samples in one ``jax.jit`` program: one lowering, one MLIR context and one
        cache read instead of one per sample (these cost about as much as the tracing)."""
        programs = [self._vjp(function, params, grad_wrt) for function, _, params, grad_wrt, _ in items]

        def together(arguments):
            return [program(args) for program, args in zip(programs, arguments)]

        arguments = [self._device_arguments(inputs, dout) for _, inputs, _, _, dout in items]
        answers = self._run("vjps", together, arguments, [(function, params, grad_wrt) for function, _, params, grad_wrt, _ in items])
        return [{**self.numpy_outputs(outputs), **self.numpy_outputs(grads)} for outputs, grads in answers]

    def call(self, function, inputs, params, gradient_of):
        """A catalog mapping's side as one compiled program: the output, or the gradient of ``sum(out)``."""

        def value(arrays):
            if gradient_of is None:
                return as_outputs(function(**arrays, **params))["out"]
            outputs, vjp = self._outputs_and_vjp(function, arrays, params, (gradient_of,))
            return vjp(self.jnp.ones_like(outputs["out"]))[0]

        arrays = self._arrays(inputs)
        return self.to_numpy(self._run("call", value, arrays, [(function, params, (gradient_of,) if gradient_of else ())]))

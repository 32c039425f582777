"""The JAX witness: jax.numpy arrays, gradients from ``jax.vjp``.

float64 needs ``jax_enable_x64``: without it JAX silently computes float64 inputs in
float32 (catalog entry ``jax-x64``). The flag is set here, in the worker, before any
array exists.

Eager JAX compiles every primitive for every new shape; a sample's forward pass and
its pullback are instead compiled as one program with ``jax.jit``, and a batch of a
concept's samples as one program for them all (``forward_and_pullbacks``: one lowering
and one cache read instead of one per sample). Compiled programs are kept on disk
between runs (``JAX_CACHE``). An implementation that needs concrete values (Python
control flow on array values) runs eagerly instead, one sample at a time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from comparisons.witnesses.adapter import THREADS, Adapter, as_outputs, gradient_name


JAX_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rosetta" / "jax"
"""Where compiled XLA programs are kept between runs (the same inputs compile to the same programs)."""


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

    def to_tensor(self, array, requires_grad=False):
        # device_put, not jnp.asarray: eager asarray compiles a small program for every new shape (20 ms each)
        return self.jax.device_put(np.asarray(array))

    def forward(self, function, inputs, params, grad_wrt):
        arrays = {k: self.to_tensor(v) for k, v in inputs.items()}
        if not grad_wrt:
            return self.numpy_outputs(as_outputs(function(**arrays, **params))), None

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
        """``(arrays, dout) -> (outputs, gradients)``: the forward pass and its pullback, traceable as one program."""

        def forward_and_pullback(arrays, dout):
            outputs, vjp = self._outputs_and_vjp(function, arrays, params, grad_wrt)
            return outputs, dict(zip(map(gradient_name, grad_wrt), vjp(dout)))

        return forward_and_pullback

    def _device_arguments(self, inputs, dout):
        return {k: self.to_tensor(v) for k, v in inputs.items()}, self.to_tensor(dout)

    def forward_and_pullback(self, function, inputs, params, grad_wrt, dout):
        program = self._vjp(function, params, grad_wrt)
        arguments = self._device_arguments(inputs, dout)
        try:
            outputs, grads = self.jax.jit(program)(*arguments)
        except (self.jax.errors.ConcretizationTypeError, self.jax.errors.TracerArrayConversionError):  # needs concrete values
            outputs, grads = program(*arguments)
        return {**self.numpy_outputs(outputs), **self.numpy_outputs(grads)}

    def forward_and_pullbacks(self, items):
        """A concept's samples in one ``jax.jit`` program: one lowering, one MLIR context and one
        cache read instead of one per sample (these cost about as much as the tracing)."""
        programs = [self._vjp(function, params, grad_wrt) for function, _, params, grad_wrt, _ in items]

        def together(arguments):
            return [program(*args) for program, args in zip(programs, arguments)]

        answers = self.jax.jit(together)([self._device_arguments(inputs, dout) for _, inputs, _, _, dout in items])
        return [{**self.numpy_outputs(outputs), **self.numpy_outputs(grads)} for outputs, grads in answers]

"""What every witness adapter does, and the helpers they share.

An adapter is the framework side of a witness. Inside its worker process it turns
NumPy arrays into the framework's tensors (``to_tensor``), runs an implementation,
takes the gradients of ``sum(out * dout)`` with the framework's own autograd
(``forward`` returns the pullback that does it) and hands NumPy arrays back
(``to_numpy``). The NumPy reference uses the same interface in the harness process.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

Results = dict[str, np.ndarray]
Pullback = Callable[[np.ndarray], Results]

THREADS = 1
"""Intra-op threads for every framework: results must not depend on the core count."""


def gradient_name(input_name: str) -> str:
    """Quantity name of the gradient with respect to an input: ``x`` -> ``dx``."""
    return f"d{input_name}"


def as_outputs(result: Any) -> dict[str, Any]:
    """Forward results as named quantities: a bare array is ``{"out": array}``."""
    return dict(result) if isinstance(result, Mapping) else {"out": result}


def as_gradients(grads: Any, grad_wrt: tuple[str, ...]) -> list[Any]:
    """Gradients as a list in ``grad_wrt`` order (a bare array stands for one)."""
    grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
    if len(grads) != len(grad_wrt):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(grad_wrt)} inputs {grad_wrt}")
    return grads


class Adapter:
    """One framework's way of running an implementation and differentiating it."""

    name = ""

    def setup(self) -> None:
        """Import and configure the framework (threads, determinism, precision) once."""

    def to_tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        raise NotImplementedError

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def forward(
        self, function: Callable, inputs: Mapping[str, np.ndarray], params: Mapping, grad_wrt: tuple[str, ...]
    ) -> tuple[Results, Pullback | None]:
        """Run ``function(**inputs, **params)``; return its outputs and, with ``grad_wrt``, the pullback."""
        raise NotImplementedError

    def forward_and_pullback(self, function: Callable, inputs, params, grad_wrt: tuple[str, ...], dout) -> Results:
        """Outputs and gradients in one go, when ``dout`` is known before the forward pass."""
        outputs, pullback = self.forward(function, inputs, params, grad_wrt)
        return {**outputs, **pullback(dout)}

    def forward_and_pullbacks(self, items: list[tuple]) -> list[Results] | None:
        """Several :meth:`forward_and_pullback` calls, ``(function, inputs, params, grad_wrt, dout)`` each,
        run together; None where the framework gains nothing by it (the worker then runs them one by one)."""
        return None

    def numpy_outputs(self, outputs: Mapping[str, Any]) -> Results:
        return {name: self.to_numpy(value) for name, value in outputs.items()}

    def call(self, function: Callable, inputs, params, gradient_of: str | None) -> np.ndarray:
        """One side of a catalog mapping: the output, or the gradient of ``sum(out)`` w.r.t. one input."""
        outputs, pullback = self.forward(function, inputs, params, (gradient_of,) if gradient_of else ())
        if gradient_of is None:
            return outputs["out"]
        return pullback(np.ones_like(outputs["out"]))[gradient_name(gradient_of)]


class NumpyAdapter(Adapter):
    """The hand-written reference: ``forward`` returns ``(out, cache)``, ``backward(dout, cache)`` the gradients.

    Called with the concept's reference pair rather than one function.
    """

    name = "numpy"

    def forward(self, function, inputs, params, grad_wrt):
        forward, backward = function
        out, cache = forward(**inputs, **params)
        outputs = self.numpy_outputs(as_outputs(out))

        def pullback(dout):
            grads = as_gradients(backward(dout, cache), grad_wrt)
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(grad_wrt, grads)}

        return outputs, (pullback if grad_wrt else None)


class ArrayAdapter(Adapter):
    """Forward-only functions that take and return NumPy arrays (ONNX runtimes and exporters)."""

    name = "onnx"

    def forward(self, function, inputs, params, grad_wrt):
        if grad_wrt:
            raise ValueError("this witness computes no gradients")
        return self.numpy_outputs(as_outputs(function(**inputs, **params))), None

"""Activation concepts: element-wise non-linearities and their derivatives."""

import numpy as np

from comparisons.registry import Concept, Sample, Tolerance, register, tf_impl, torch_impl
from reference import activations as ref


def _normal(*shape, scale=1.0):
    """A sample input drawer: standard normal of ``shape`` times ``scale``."""
    return lambda rng: {"x": scale * rng.standard_normal(shape)}


def sigmoid_samples(rng):
    yield Sample("vector", _normal(7))
    yield Sample("matrix", _normal(4, 5, scale=3.0))
    yield Sample("tensor3d", _normal(2, 3, 4, scale=3.0))
    yield Sample(
        "saturated",
        {"x": np.array([0.0, 20.0, -20.0, 100.0, -100.0])},
        note="x = 0, +-20, +-100: exp(100) overflows float32 in the naive formula.",
    )


register(
    Concept(
        name="sigmoid",
        family="activations",
        summary="Logistic sigmoid sigma(x) = 1 / (1 + exp(-x)) and its derivative sigma(1 - sigma).",
        samples=sigmoid_samples,
        reference=(ref.sigmoid_forward, ref.sigmoid_backward),
        torch=torch_impl("activations.sigmoid"),
        tensorflow=tf_impl("activations.sigmoid"),
        grad_wrt=("x",),
        tolerance={
            "float32": Tolerance(
                1e-7, 1e-6, "one exp and one division in float32; libraries use different exp kernels"
            )
        },
        seeds_tutorial="The neuron's squashing function and its derivative sigma(1 - sigma).",
        forward_math=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \, \sigma(x)\,(1 - \sigma(x))",
    )
)

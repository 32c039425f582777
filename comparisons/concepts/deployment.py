"""Deployment: trained NumPy networks exported to ONNX and run outside the training code.

The witnesses of ``onnx_inference`` all compute the output probabilities of the same
trained network on the same inputs: the NumPy forward pass, the PyTorch and Keras
models holding the weights, ONNX Runtime on the graph built from the NumPy weights
with ``onnx.helper``, the onnx package's ReferenceEvaluator on that graph, and ONNX
Runtime on the files ``torch.onnx.export`` and tf2onnx write.
"""

from __future__ import annotations

import functools

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Concept, LazyFunction, Sample, implementations, register
from reference import deployment as ref
from reference import networks

NETWORKS = {
    "digits_mlp": ("relu", "softmax"),
    "three_layer_network": ("sigmoid", "sigmoid"),
}
"""Trained networks that can be exported, with their layer activations."""


def _onnx(function: str) -> LazyFunction:
    return LazyFunction(f"framework_impls.onnx_impl.deployment:{function}")


@functools.lru_cache(maxsize=8)
def trained_network(name: str, seed: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Trained float64 weights (w1, b1, w2, b2; PyTorch layout) and held-out inputs.

    The digits MLP is trained on its training split and checked on the test split;
    the tutorial's three-layer network has only its four-row table to run on, and no
    biases (zeros here).
    """
    if name == "digits_mlp":
        params, data = networks.trained_digits_mlp(seed=seed)
        return (params["w1"], params["b1"], params["w2"], params["b2"]), data["x_test"]
    if name == "three_layer_network":
        params = networks.trained_three_layer_network(seed=seed)
        syn0, syn1 = params["syn0"], params["syn1"]  # tutorial layout (in, out): transpose
        weights = (syn0.T.copy(), np.zeros(syn0.shape[1]), syn1.T.copy(), np.zeros(syn1.shape[1]))
        return weights, networks.binary_table()[0]
    raise ValueError(f"network must be one of {sorted(NETWORKS)}, got {name!r}")


def network_inputs(name: str, seed: int) -> dict[str, np.ndarray]:
    weights, x = trained_network(name, seed)
    return {"x": x, **dict(zip(("w1", "b1", "w2", "b2"), weights))}


def deployment_samples(rng):
    for name, activations in NETWORKS.items():
        seed = int(rng.integers(2**16))
        yield Sample(
            name,
            lambda _, name=name, seed=seed: network_inputs(name, seed),
            {"activations": activations},
            note=N_("weights trained by the NumPy reference; inputs held out from training"),
        )


register(
    Concept(
        name="onnx_inference",
        family="deployment",
        summary=N_("A trained NumPy network exported to ONNX: ONNX Runtime and the ONNX reference evaluator reproduce it."),
        samples=deployment_samples,
        reference=(ref.dense_network_forward, None),
        implementations=implementations("deployment.dense_network"),
        grad_wrt=(),
        extra_witnesses={
            "onnxruntime": _onnx("onnxruntime_inference"),
            "onnx-reference": _onnx("reference_evaluator_inference"),
            # run in the worker of the framework that exports, which imports it anyway
            "onnxruntime-torch-export": LazyFunction("framework_impls.torch_impl.deployment:onnxruntime_on_export"),
            "onnxruntime-tf-export": LazyFunction("framework_impls.tf_impl.deployment:onnxruntime_on_export"),
        },
        optional_packages=("onnx", "onnxruntime", "tf2onnx"),
        tutorial=N_("Deployment: trained weights become a model file that runs without the training code."),
        forward_math=r"a_0 = x,\quad a_k = f_k\!\left(a_{k-1} W_k^\top + b_k\right),\quad \hat y = \arg\max a_L",
    )
)

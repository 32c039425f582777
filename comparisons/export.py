"""``rosetta export``: the trained networks of the deployment concept as .onnx files.

For each network three files are written into ``<out>/models/``: the graph built from
the NumPy weights with ``onnx.helper`` (``NAME.onnx``), the file ``torch.onnx.export``
writes for the PyTorch model (``NAME.torch.onnx``), and the one tf2onnx writes for the
Keras model (``NAME.tf.onnx``). They hold exactly the weights ``onnx_inference`` checks
for seed 0.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

EXPORTERS = {
    "": "framework_impls.onnx_impl.deployment:dense_network_to_onnx",
    ".torch": "framework_impls.torch_impl.deployment:export_onnx",
    ".tf": "framework_impls.tf_impl.deployment:export_onnx",
}


def network_weights(name: str, dtype: str, seed: int = 0):
    """The weights and activations ``onnx_inference`` checks for this seed, cast to dtype."""
    from comparisons.concepts.deployment import deployment_samples
    from comparisons.harness import cast_inputs
    from comparisons.registry import concept_rng, sample_rng

    sample = next(s for s in deployment_samples(concept_rng(seed, "onnx_inference")) if s.name == name)
    inputs = cast_inputs(sample.draw(sample_rng(seed, "onnx_inference", name)), dtype)
    return [inputs[k] for k in ("w1", "b1", "w2", "b2")], sample.params["activations"]


def model_bytes(suffix: str, weights, activations) -> bytes:
    from comparisons.registry import LazyFunction

    result = LazyFunction(EXPORTERS[suffix])(weights, activations)
    return result if isinstance(result, bytes) else result.SerializeToString()


def describe(data: bytes) -> list[dict]:
    """The graph's nodes in order: operator, inputs, outputs and inferred output shapes."""
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load_from_string(data))
    shapes = {}
    for value in [*model.graph.value_info, *model.graph.output, *model.graph.input]:
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = tuple(d.dim_param or d.dim_value for d in dims)
    for tensor in model.graph.initializer:
        shapes[tensor.name] = tuple(tensor.dims)
    return [
        {
            "op": node.op_type,
            "inputs": [f"{i} {shapes.get(i, '?')}" for i in node.input],
            "outputs": [f"{o} {shapes.get(o, '?')}" for o in node.output],
        }
        for node in model.graph.node
    ]


def export_network(name: str, folder: Path, dtype: str = "float32", seed: int = 0) -> dict[Path, str]:
    """Write the network's .onnx files into ``folder``; return each path with its exporter's error, if any."""
    from comparisons.witnesses.tensorflow_adapter import TensorflowAdapter

    with contextlib.suppress(ImportError):
        TensorflowAdapter().setup()  # import TensorFlow once, quietly and configured, before tf2onnx does
    folder.mkdir(parents=True, exist_ok=True)
    weights, activations = network_weights(name, dtype, seed)
    written = {}
    for suffix in EXPORTERS:
        path = folder / f"{name}{suffix}.onnx"
        try:
            data = model_bytes(suffix, weights, activations)
        except ModuleNotFoundError as error:
            written[path] = f"skipped: {error.name} is not installed"
            continue
        handle, staging = tempfile.mkstemp(dir=folder, prefix=".", suffix=".onnx")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(staging, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(staging, path)
        written[path] = ""
    return written


def check_model(path: Path, x: np.ndarray) -> np.ndarray:
    """Validate a written file with the ONNX checker and run it in ONNX Runtime."""
    import onnx

    from framework_impls.onnx_impl.deployment import run_onnxruntime

    onnx.checker.check_model(str(path), full_check=True)
    return run_onnxruntime(path.read_bytes(), x)

"""``rosetta export``: the trained networks of the deployment concept as .onnx files.

For each network three files are written into ``<out>/models/``: the graph built from
the NumPy weights with ``onnx.helper`` (``NAME.onnx``), the file ``torch.onnx.export``
writes for the PyTorch model (``NAME.torch.onnx``), and the one tf2onnx writes for the
Keras model (``NAME.tf.onnx``). They hold exactly the weights ``onnx_inference`` checks
for seed 0.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from comparisons.limits import WitnessTimeout
from comparisons.harness import cast_inputs, worker_for
from comparisons.registry import LazyFunction, concept_rng, sample_rng
from comparisons.witnesses.pool import RemoteError, WitnessUnavailable, WorkerDied, WorkerPool

EXPORTERS = {
    "": "framework_impls.onnx_impl.deployment:dense_network_to_onnx",
    ".torch": "framework_impls.torch_impl.deployment:export_onnx",
    ".tf": "framework_impls.tf_impl.deployment:export_onnx",
}


def network_weights(name: str, dtype: str, seed: int = 0):
    """The weights and activations ``onnx_inference`` checks for this seed, cast to dtype."""
    from comparisons.concepts.deployment import deployment_samples

    sample = next(s for s in deployment_samples(concept_rng(seed, "onnx_inference")) if s.name == name)
    inputs = cast_inputs(sample.draw(sample_rng(seed, "onnx_inference", name)), dtype)
    return [inputs[k] for k in ("w1", "b1", "w2", "b2")], sample.params["activations"]


def serialized_model(w1, b1, w2, b2, *, suffix: str, activations) -> np.ndarray:
    """One exporter's file of the network with these weights (its worker's tensors), as bytes in a uint8 array."""
    result = LazyFunction(EXPORTERS[suffix])([w1, b1, w2, b2], activations)
    return np.frombuffer(result if isinstance(result, bytes) else result.SerializeToString(), dtype=np.uint8)


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


def queue_exports(pool, names, dtype: str = "float32", seed: int = 0, timeout: float = 300.0) -> dict[str, Future]:
    """Ask the pool's workers for every exporter's file of each network: ``NAME.SUFFIX`` -> future.

    Each exporter runs in the worker of the framework that exports (``onnx.helper``'s in
    the onnx worker), like the deployment concept's witnesses: never in the harness, and
    while it goes on.
    """
    serialize = LazyFunction("comparisons.export:serialized_model")
    exports = {}
    for name in names:
        weights, activations = network_weights(name, dtype, seed)  # trained here: the workers have no scikit-learn
        inputs = dict(zip(("w1", "b1", "w2", "b2"), weights))
        for suffix, exporter in EXPORTERS.items():
            params = {"suffix": suffix, "activations": activations}
            worker = pool.worker(worker_for(LazyFunction(exporter)))
            exports[f"{name}{suffix}"] = worker.later(("call", serialize, inputs, params, None), timeout)
    return exports


def write_exports(folder: Path, exports: dict[str, Future]) -> dict[Path, str]:
    """Write each finished export as ``folder/NAME.SUFFIX.onnx``; return each path with why it is missing, if it is."""
    if not exports:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for stem, future in exports.items():
        path = folder / f"{stem}.onnx"
        try:
            data = future.result()[0]["out"].tobytes()
        except WitnessUnavailable as error:
            written[path] = f"skipped: {error}"
            continue
        except (WitnessTimeout, WorkerDied) as error:
            written[path] = f"error: {error}"
            continue
        except RemoteError as error:
            written[path] = f"skipped: {error.missing_module} is not installed" if error.missing_module else f"error: {error}"
            continue
        handle, staging = tempfile.mkstemp(dir=folder, prefix=".", suffix=".onnx")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(staging, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(staging, path)
        written[path] = ""
    return written


def export_networks(names, folder: Path, dtype: str = "float32", seed: int = 0) -> dict[Path, str]:
    """Write the networks' .onnx files into ``folder``; return each path with why it is missing, if it is."""
    with WorkerPool() as pool:
        return write_exports(folder, queue_exports(pool, names, dtype, seed))


def check_model(path: Path, x: np.ndarray) -> np.ndarray:
    """Validate a written file with the ONNX checker and run it in ONNX Runtime."""
    import onnx

    from framework_impls.onnx_impl.deployment import run_onnxruntime

    onnx.checker.check_model(str(path), full_check=True)
    return run_onnxruntime(path.read_bytes(), x)

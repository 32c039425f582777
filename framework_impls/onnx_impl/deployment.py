"""A trained dense network as an ONNX graph, run by ONNX Runtime and by the ONNX reference evaluator.

The graph is built node by node with ``onnx.helper`` from NumPy weights: one ``Gemm``
per layer (``transB=1`` because the weights are stored (out, in), PyTorch's layout)
followed by its activation node.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper

OPSET = 17
ACTIVATION_NODES = {"sigmoid": "Sigmoid", "relu": "Relu", "softmax": "Softmax"}


def dense_network_to_onnx(weights, activations, *, name="dense_network"):
    """Build and check an ONNX model of a dense network.

    Parameters
    ----------
    weights : sequence of ndarray
        w1, b1, w2, b2, ... with w_k of shape (out_k, in_k), all of one float dtype.
    activations : sequence of str
        One per layer.

    Returns
    -------
    onnx.ModelProto
        Input ``x`` of shape (N, in), output ``probabilities`` of shape (N, out_L).
    """
    element_type = helper.np_dtype_to_tensor_dtype(np.asarray(weights[0]).dtype)
    initializers, nodes = [], []
    current = "x"
    for layer, ((w, b), activation) in enumerate(zip(zip(weights[::2], weights[1::2]), activations), start=1):
        initializers += [numpy_helper.from_array(np.asarray(w), f"w{layer}"), numpy_helper.from_array(np.asarray(b), f"b{layer}")]
        # Gemm: Y = X @ W^T + b; transB=1 because w is stored (out, in).
        nodes.append(helper.make_node("Gemm", [current, f"w{layer}", f"b{layer}"], [f"v{layer}"], transB=1))
        current = "probabilities" if layer == len(activations) else f"a{layer}"
        attributes = {"axis": 1} if activation == "softmax" else {}
        nodes.append(helper.make_node(ACTIVATION_NODES[activation], [f"v{layer}"], [current], **attributes))
    graph = helper.make_graph(
        nodes,
        name,
        inputs=[helper.make_tensor_value_info("x", element_type, ["N", np.shape(weights[0])[1]])],
        outputs=[helper.make_tensor_value_info("probabilities", element_type, ["N", np.shape(weights[-1])[0]])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="rosetta")
    model.ir_version = 8  # readable by every ONNX Runtime release that supports opset 17
    onnx.checker.check_model(model, full_check=True)
    return model


def run_onnxruntime(model_bytes, x):
    """Run a serialized model on the CPU execution provider; return its first output.

    ``x`` is the model's only input, or a dict of its inputs by name.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # deterministic, like the other witnesses
    session = onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    feeds = x if isinstance(x, dict) else {session.get_inputs()[0].name: x}
    return session.run(None, feeds)[0]


def with_prediction(probabilities):
    """The probabilities and the prediction read from them, as the reference gives them."""
    from reference.deployment import predict

    return {"out": probabilities, "prediction": predict(probabilities)}


def onnxruntime_inference(x, w1, b1, w2, b2, *, activations):
    """ONNX Runtime on the graph built from the NumPy weights."""
    return with_prediction(run_onnxruntime(dense_network_to_onnx((w1, b1, w2, b2), activations).SerializeToString(), x))


def reference_evaluator_inference(x, w1, b1, w2, b2, *, activations):
    """The onnx package's own ReferenceEvaluator (pure Python/NumPy) on the same graph."""
    from onnx.reference import ReferenceEvaluator

    return with_prediction(ReferenceEvaluator(dense_network_to_onnx((w1, b1, w2, b2), activations)).run(None, {"x": x})[0])

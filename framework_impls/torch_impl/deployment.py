"""The trained dense network as a PyTorch module, and its export with torch.onnx.export run by ONNX Runtime."""

import io

import numpy as np
import torch

ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "softmax": lambda: torch.nn.Softmax(dim=1)}


def build_network(weights, activations):
    """nn.Sequential of Linear layers holding the given (out, in) weights."""
    layers = []
    for (w, b), activation in zip(zip(weights[::2], weights[1::2]), activations):
        w, b = torch.as_tensor(w), torch.as_tensor(b)
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
        with torch.no_grad():
            linear.weight.copy_(w)  # nn.Linear stores (out, in), as the NumPy weights do
            linear.bias.copy_(b)
        layers += [linear, ACTIVATIONS[activation]()]
    return torch.nn.Sequential(*layers).eval()


def dense_network(x, w1, b1, w2, b2, *, activations):
    probabilities = build_network((w1, b1, w2, b2), activations)(x)
    return {"out": probabilities, "prediction": _predict(probabilities)}


def _predict(probabilities):
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] > 0.5).long()
    return probabilities.argmax(dim=1)


def export_onnx(weights, activations):
    """Serialized ONNX model of the PyTorch network (input ``x`` with a dynamic batch axis)."""
    network = build_network(weights, activations)
    example = torch.zeros((1, np.shape(weights[0])[1]), dtype=torch.as_tensor(weights[0]).dtype)
    buffer = io.BytesIO()
    # dynamo=False: the TorchScript exporter, which needs no onnxscript package.
    torch.onnx.export(
        network, (example,), buffer, dynamo=False, input_names=["x"], output_names=["probabilities"],
        dynamic_axes={"x": {0: "N"}, "probabilities": {0: "N"}}, opset_version=17,
    )
    return buffer.getvalue()


def onnxruntime_on_export(x, w1, b1, w2, b2, *, activations):
    """ONNX Runtime on the file ``torch.onnx.export`` writes for this network (a forward-only witness)."""
    from framework_impls.onnx_impl.deployment import run_onnxruntime, with_prediction

    return with_prediction(run_onnxruntime(export_onnx((w1, b1, w2, b2), activations), x.numpy()))

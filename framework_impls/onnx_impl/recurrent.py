"""The LSTM exported to ONNX: torch.onnx writes the graph, ONNX Runtime runs it (a forward-only witness)."""

import io

import numpy as np

from framework_impls.onnx_impl.deployment import run_onnxruntime


def export_torch_lstm(w_ih, w_hh, b_ih, b_hh, dtype):
    """Serialized ONNX model of ``nn.LSTM(batch_first=True)`` holding the given torch-layout weights.

    Inputs ``x`` (N, T, in), ``h0`` and ``c0`` (1, N, H); output ``out`` (N, T, H),
    with dynamic batch and time axes. The exporter maps torch's gate order (i, f, g, o)
    onto ONNX's LSTM (i, o, f, c) itself.
    """
    import torch
    from torch import nn

    hidden, n_in = w_hh.shape[1], w_ih.shape[1]
    layer = nn.LSTM(n_in, hidden, batch_first=True, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for name, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), (w_ih, w_hh, b_ih, b_hh)):
            getattr(layer, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = layer

        def forward(self, x, h0, c0):
            return self.lstm(x, (h0, c0))[0]

    example = (torch.zeros(1, 1, n_in, dtype=layer.weight_ih_l0.dtype), *[torch.zeros(1, 1, hidden, dtype=layer.weight_ih_l0.dtype)] * 2)
    buffer = io.BytesIO()
    # dynamo=False: the TorchScript exporter, which needs no onnxscript package.
    torch.onnx.export(
        Sequence(), example, buffer, input_names=["x", "h0", "c0"], output_names=["out"], dynamo=False,
        dynamic_axes={"x": {0: "batch", 1: "time"}, "h0": {1: "batch"}, "c0": {1: "batch"}, "out": {0: "batch", 1: "time"}},
    )
    return buffer.getvalue()


def onnxruntime_on_torch_lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """ONNX Runtime on the exported LSTM: every hidden state, (N, T, H)."""
    model = export_torch_lstm(w_ih, w_hh, b_ih, b_hh, x.dtype.name)
    return run_onnxruntime(model, {"x": x, "h0": h0[None], "c0": c0[None]})

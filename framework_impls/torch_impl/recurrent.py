"""Recurrent layers with torch.nn.RNN / LSTM / GRU (batch_first=True), run on the given weights.

``torch.func.functional_call`` runs a module with the given tensors in place of its
parameters, so autograd differentiates the output with respect to those very tensors.
torch keeps one layer's weights as ``weight_ih_l0`` (G H, in), ``weight_hh_l0``
(G H, H), ``bias_ih_l0``, ``bias_hh_l0`` (G H,): the reference's layout, nothing to convert.
"""

import io

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence


def _weights(w_ih, w_hh, b_ih, b_hh):
    return {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}


def rnn(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    layer = nn.RNN(x.shape[2], h0.shape[1], nonlinearity=nonlinearity, batch_first=True, dtype=x.dtype)
    out, _ = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (x, h0.unsqueeze(0)))  # h0: (layers, N, H)
    return out


def lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    layer = nn.LSTM(x.shape[2], h0.shape[1], batch_first=True, dtype=x.dtype)
    out, _ = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (x, (h0.unsqueeze(0), c0.unsqueeze(0))))
    return out


def export_lstm_onnx(w_ih, w_hh, b_ih, b_hh):
    """Serialized ONNX model of ``nn.LSTM(batch_first=True)`` holding these weights.

    Inputs ``x`` (N, T, in), ``h0`` and ``c0`` (1, N, H); output ``out`` (N, T, H),
    with dynamic batch and time axes. The exporter maps torch's gate order (i, f, g, o)
    onto ONNX's LSTM (i, o, f, c) itself.
    """
    hidden, n_in = w_hh.shape[1], w_ih.shape[1]
    layer = nn.LSTM(n_in, hidden, batch_first=True, dtype=w_ih.dtype)
    with torch.no_grad():
        for name, value in _weights(w_ih, w_hh, b_ih, b_hh).items():
            getattr(layer, name).copy_(value)

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = layer

        def forward(self, x, h0, c0):
            return self.lstm(x, (h0, c0))[0]

    example = (torch.zeros(1, 1, n_in, dtype=w_ih.dtype), *[torch.zeros(1, 1, hidden, dtype=w_ih.dtype)] * 2)
    buffer = io.BytesIO()
    # dynamo=False: the TorchScript exporter, which needs no onnxscript package.
    torch.onnx.export(
        Sequence(), example, buffer, input_names=["x", "h0", "c0"], output_names=["out"], dynamo=False,
        dynamic_axes={"x": {0: "batch", 1: "time"}, "h0": {1: "batch"}, "c0": {1: "batch"}, "out": {0: "batch", 1: "time"}},
    )
    return buffer.getvalue()


def onnxruntime_on_lstm_export(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """ONNX Runtime on the exported LSTM: every hidden state, (N, T, H) (a forward-only witness)."""
    from framework_impls.onnx_impl.deployment import run_onnxruntime

    feeds = {"x": x, "h0": h0.unsqueeze(0), "c0": c0.unsqueeze(0)}  # h0, c0: (layers, N, H)
    return run_onnxruntime(export_lstm_onnx(w_ih, w_hh, b_ih, b_hh), {k: v.numpy() for k, v in feeds.items()})


def gru(x, h0, w_ih, w_hh, b_ih, b_hh, *, reset_after=True):
    if not reset_after:
        raise ValueError("reset_after=False: torch.nn.GRU only computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn))")
    layer = nn.GRU(x.shape[2], h0.shape[1], batch_first=True, dtype=x.dtype)
    out, _ = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (x, h0.unsqueeze(0)))
    return out


class Adder(nn.Module):
    """nn.RNN and a Linear read-out of every step; b_hh frozen at zero unless ``train_b_hh``."""

    def __init__(self, hidden, dtype, train_b_hh=False):
        super().__init__()
        self.rnn = nn.RNN(2, hidden, batch_first=True, dtype=dtype)
        self.rnn.bias_hh_l0.requires_grad_(train_b_hh)  # the exercise has one bias, like Keras's SimpleRNN
        self.out = nn.Linear(hidden, 1, dtype=dtype)

    def forward(self, x):
        return self.out(self.rnn(x)[0])  # h0 defaults to zeros


def _train_adder(x_train, y_train, w_ih, w_hh, b, w_out, b_out, *, lr, train_b_hh=False):
    """The adder from the given weights (b_ih = b, b_hh = 0) after SGD on every batch; the loss of every step."""
    model = Adder(w_hh.shape[0], x_train.dtype, train_b_hh)
    with torch.no_grad():
        for parameter, value in ((model.rnn.weight_ih_l0, w_ih), (model.rnn.weight_hh_l0, w_hh),
                                 (model.rnn.bias_ih_l0, b), (model.rnn.bias_hh_l0, torch.zeros_like(b)),
                                 (model.out.weight, w_out), (model.out.bias, b_out)):
            parameter.copy_(value)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    for x, y in zip(x_train, y_train):  # the same batches as NumPy, in the same order
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)  # mean over the batch and the time steps
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return model, torch.stack(losses)


def binary_addition_rnn_training(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    model, losses = _train_adder(x_train, y_train, w_ih, w_hh, b, w_out, b_out, lr=lr)
    with torch.no_grad():
        correct = (model(x_test) > 0) == (y_test == 1)
    return {
        "loss": losses, "w_ih": model.rnn.weight_ih_l0, "w_hh": model.rnn.weight_hh_l0,
        "b": model.rnn.bias_ih_l0, "w_out": model.out.weight, "b_out": model.out.bias,
        "test_accuracy": correct.all(dim=2).all(dim=1).to(x_train.dtype).mean(),
        "test_bit_accuracy": correct.to(x_train.dtype).mean(),
    }


# Catalog sides (comparisons/divergences/recurrent.py): a side returns one array.


def lstm_default_layout(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """nn.LSTM with its default batch_first=False given the (N, T, in) tensor Keras reads: it recurs over N.

    The naive port passes no initial state (zeros, as ``h0`` and ``c0`` are in the
    catalog sample): a (1, N, H) state would not match the batch of T it sees.
    """
    layer = nn.LSTM(x.shape[2], w_hh.shape[1], dtype=x.dtype)  # reads (T, N, in)
    out, _ = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (x,))
    return out


def lstm_last_step_over_padding(ids, table, w_ih, w_hh, b_ih, b_hh):
    """The LSTM's output at the last column of the padded batch: padded sequences have run over their pads."""
    layer = nn.LSTM(table.shape[1], w_hh.shape[1], batch_first=True, dtype=table.dtype)
    out, _ = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (F.embedding(ids, table),))
    return out[:, -1]


def lstm_packed_final_state(ids, table, w_ih, w_hh, b_ih, b_hh):
    """``h_n`` of the LSTM run on ``pack_padded_sequence``: each sequence stops at its own length (ids != 0)."""
    layer = nn.LSTM(table.shape[1], w_hh.shape[1], batch_first=True, dtype=table.dtype)
    lengths = (ids != 0).sum(dim=1)
    packed = pack_padded_sequence(F.embedding(ids, table), lengths, batch_first=True, enforce_sorted=False)
    _, (h_n, _) = functional_call(layer, _weights(w_ih, w_hh, b_ih, b_hh), (packed,))
    return h_n[0]  # (layers, N, H) -> (N, H), in the batch's order (enforce_sorted=False restores it)


def binary_addition_rnn_losses(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr,
                               train_b_hh=False):
    """The loss of every step of :func:`binary_addition_rnn_training`; ``train_b_hh=True`` trains torch's
    second bias too, as nn.RNN does by default."""
    return _train_adder(x_train, y_train, w_ih, w_hh, b, w_out, b_out, lr=lr, train_b_hh=train_b_hh)[1]

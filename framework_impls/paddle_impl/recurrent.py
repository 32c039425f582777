"""Recurrent layers with paddle.nn.SimpleRNN / LSTM / GRU (time_major=False), on the given tensors.

Paddle copies torch's layout (``weight_ih_l0`` (G H, in), ``weight_hh_l0``, two biases,
gates i, f, g, o and r, z, n) and its GRU formula, so nothing is converted.

Paddle has no functional RNN and no ``functional_call``: a layer computes with its own
parameters, which ``paddle.grad`` can differentiate, but not with tensors it is given.
:class:`_OnGivenWeights` bridges that with public API only (``paddle.autograd.PyLayer``):
its forward copies the given tensors into the layer's parameters (``set_value``) and
runs the layer; its backward runs the layer once more with gradients on and hands
back what the layer's own backward pass (Paddle's fused ``rnn`` kernel) puts in the
``.grad`` of the parameters, the input and the initial states. The price is a second
forward pass per gradient.
"""

import contextlib

import paddle


@contextlib.contextmanager
def _default_dtype(dtype):
    """Create a layer in ``dtype`` (Paddle layers take their dtype from the global default)."""
    saved = paddle.get_default_dtype()
    paddle.set_default_dtype(dtype)
    try:
        yield
    finally:
        paddle.set_default_dtype(saved)


def _call(layer, x, states):
    """``layer``'s output sequence from initial states (N, H) each (Paddle wants (layers, N, H))."""
    states = [s.unsqueeze(0) for s in states]
    out, _ = layer(x, states[0] if len(states) == 1 else tuple(states))
    return out


class _OnGivenWeights(paddle.autograd.PyLayer):
    """``layer(x, states)`` computed with ``weights`` in place of its parameters, differentiable in all of them.

    ``weights`` are in the order of ``layer.parameters()``: w_ih, w_hh, b_ih, b_hh.
    """

    @staticmethod
    def forward(ctx, layer, n_states, x, *tensors):
        states, weights = tensors[:n_states], tensors[n_states:]
        for parameter, value in zip(layer.parameters(), weights, strict=True):
            parameter.set_value(value)
        ctx.layer = layer
        ctx.needs_grad = [not t.stop_gradient for t in (x, *tensors)]
        ctx.save_for_backward(x, *states)
        return _call(layer, x, states)

    @staticmethod
    def backward(ctx, dout):
        layer = ctx.layer
        inputs = [t.detach() for t in ctx.saved_tensor()]  # x and the states, as leaves of a new graph
        for tensor in inputs:
            tensor.stop_gradient = False
        layer.clear_gradients()
        with paddle.enable_grad():
            # Tensor.backward, not paddle.grad: a paddle.grad inside a PyLayer's backward segfaults Paddle 3.3.1.
            (_call(layer, inputs[0], inputs[1:]) * dout).sum().backward()
        grads = (t.grad for t in (*inputs, *layer.parameters()))
        return tuple(g if needed else None for g, needed in zip(grads, ctx.needs_grad))  # None where not asked


def _run(make_layer, x, states, weights):
    with _default_dtype(x.dtype):
        layer = make_layer()
    return _OnGivenWeights.apply(layer, len(states), x, *states, *weights)


def rnn(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    make = lambda: paddle.nn.SimpleRNN(x.shape[2], h0.shape[1], activation=nonlinearity, time_major=False)  # noqa: E731
    return _run(make, x, [h0], [w_ih, w_hh, b_ih, b_hh])


def lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    make = lambda: paddle.nn.LSTM(x.shape[2], h0.shape[1], time_major=False)  # noqa: E731
    return _run(make, x, [h0, c0], [w_ih, w_hh, b_ih, b_hh])


def gru(x, h0, w_ih, w_hh, b_ih, b_hh, *, reset_after=True):
    if not reset_after:
        raise ValueError("reset_after=False: paddle.nn.GRU only computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn))")
    make = lambda: paddle.nn.GRU(x.shape[2], h0.shape[1], time_major=False)  # noqa: E731
    return _run(make, x, [h0], [w_ih, w_hh, b_ih, b_hh])


class Adder(paddle.nn.Layer):
    """paddle.nn.SimpleRNN and a Linear read-out of every step."""

    def __init__(self, hidden):
        super().__init__()
        self.rnn = paddle.nn.SimpleRNN(2, hidden, time_major=False)
        self.out = paddle.nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0])  # initial state defaults to zeros


def binary_addition_rnn_training(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    with _default_dtype(x_train.dtype):
        model = Adder(w_hh.shape[0])
    for parameter, value in ((model.rnn.weight_ih_l0, w_ih), (model.rnn.weight_hh_l0, w_hh),
                             (model.rnn.bias_ih_l0, b), (model.rnn.bias_hh_l0, paddle.zeros_like(b)),
                             (model.out.weight, w_out.T), (model.out.bias, b_out)):  # Linear weight is (in, out)
        parameter.set_value(value)
    # The exercise has one bias, like Keras's SimpleRNN: bias_hh stays at zero because the optimiser is not
    # given it. (stop_gradient=True on it would be the idiom, but the fused rnn kernel's backward then fails:
    # "Required tensor shall not be nullptr".)
    trainable = [p for p in model.parameters() if p is not model.rnn.bias_hh_l0]
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=trainable)
    loss_of = paddle.nn.BCEWithLogitsLoss()  # mean over the batch and the time steps
    losses = []
    for x, y in zip(x_train, y_train):  # the same batches as NumPy, in the same order
        loss = loss_of(model(x), y)
        loss.backward()
        optimizer.step()
        model.clear_gradients()
        losses.append(loss.detach())
    with paddle.no_grad():
        correct = (model(x_test) > 0) == (y_test == 1)
    return {
        "loss": paddle.stack(losses), "w_ih": model.rnn.weight_ih_l0, "w_hh": model.rnn.weight_hh_l0,
        "b": model.rnn.bias_ih_l0, "w_out": model.out.weight.T, "b_out": model.out.bias,
        "test_accuracy": correct.all(axis=[1, 2]).astype(x_train.dtype).mean(),
        "test_bit_accuracy": correct.astype(x_train.dtype).mean(),
    }

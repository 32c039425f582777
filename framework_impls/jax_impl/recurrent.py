"""Recurrent layers with flax.linen cells scanned over time by jax.lax.scan.

``SimpleCell``, ``OptimizedLSTMCell`` and ``GRUCell`` compute torch's formulas with
fewer biases (SimpleCell: input side only; LSTM: hidden side only; GRU: every input
gate plus ``hn``): :mod:`framework_impls.conversions.recurrent` maps the torch-layout
weights onto their params with ``jax.numpy``, so ``jax.vjp`` of the whole function
reaches the torch-layout weights. ``cell.apply`` is a pure function of its params.

``gru(reset_after=False)`` is written with jax.numpy: no flax cell applies the reset
gate before the product with W_hn (n = tanh(W_in x + b_in + W_hn (r h) + b_hn)).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from framework_impls.conversions.recurrent import torch_gru_to_flax, torch_lstm_to_flax, torch_rnn_to_flax


def _scan(step, carry, x):
    """Run ``step(carry, x_t) -> (carry, h_t)`` over the time axis of batch-first x; out (N, T, H)."""
    _, ys = jax.lax.scan(step, carry, jnp.swapaxes(x, 0, 1))  # scan walks the leading axis: (T, N, in)
    return jnp.swapaxes(ys, 0, 1)


def _scan_cell(cell, params, carry, x):
    return _scan(lambda c, x_t: cell.apply({"params": params}, c, x_t), carry, x)


def rnn(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    cell = nn.SimpleCell(features=h0.shape[1], activation_fn={"tanh": jnp.tanh, "relu": jax.nn.relu}[nonlinearity])
    params = torch_rnn_to_flax(w_ih, w_hh, b_ih, b_hh, xp=jnp)  # i: {w_ih.T, b_ih + b_hh}, h: {w_hh.T}
    return _scan_cell(cell, params, h0, x)


def lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    cell = nn.OptimizedLSTMCell(features=h0.shape[1])
    params = torch_lstm_to_flax(w_ih, w_hh, b_ih, b_hh, xp=jnp)  # ii..io kernels; hi..ho kernels, biases b_ih + b_hh
    return _scan_cell(cell, params, (c0, h0), x)  # flax's carry is (c, h)


def gru(x, h0, w_ih, w_hh, b_ih, b_hh, *, reset_after=True):
    if reset_after:
        cell = nn.GRUCell(features=h0.shape[1])
        return _scan_cell(cell, torch_gru_to_flax(w_ih, w_hh, b_ih, b_hh, xp=jnp), h0, x)
    hidden = h0.shape[1]
    w_rz, w_n = w_hh[: 2 * hidden], w_hh[2 * hidden :]
    x_proj = x @ w_ih.T + b_ih  # (N, T, 3H), rows r, z, n

    def step(h, x_t):
        r, z = jnp.split(jax.nn.sigmoid(x_t[:, : 2 * hidden] + h @ w_rz.T + b_hh[: 2 * hidden]), 2, axis=1)
        n = jnp.tanh(x_t[:, 2 * hidden :] + (r * h) @ w_n.T + b_hh[2 * hidden :])
        h = (1 - z) * n + z * h
        return h, h

    return _scan(step, h0, x_proj)


def _adder_logits(params, x):
    """SimpleCell over the bits (h0 = 0), a Dense read-out of every step: logits (N, T, 1)."""
    h0 = jnp.zeros((x.shape[0], params["cell"]["h"]["kernel"].shape[0]), x.dtype)
    out = _scan_cell(nn.SimpleCell(features=h0.shape[1]), params["cell"], h0, x)
    return nn.Dense(1).apply({"params": params["out"]}, out)


def binary_addition_rnn_training(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    params = {
        "cell": torch_rnn_to_flax(w_ih, w_hh, b, jnp.zeros_like(b), xp=jnp),  # one bias, on the input side
        "out": {"kernel": w_out.T, "bias": b_out},  # nn.Linear (out, in) -> Dense (in, out)
    }
    optimizer = optax.sgd(lr)

    def loss_of(params, x, y):
        return optax.sigmoid_binary_cross_entropy(_adder_logits(params, x), y).mean()  # over batch and steps

    def step(state, batch):
        params, opt_state = state
        loss, grads = jax.value_and_grad(loss_of)(params, *batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    # the same batches as NumPy, in the same order, all steps in one compiled scan
    (params, _), losses = jax.jit(lambda p: jax.lax.scan(step, (p, optimizer.init(p)), (x_train, y_train)))(params)
    correct = (_adder_logits(params, x_test) > 0) == (y_test == 1)
    cell = params["cell"]
    return {
        "loss": losses, "w_ih": cell["i"]["kernel"].T, "w_hh": cell["h"]["kernel"].T, "b": cell["i"]["bias"],
        "w_out": params["out"]["kernel"].T, "b_out": params["out"]["bias"],
        "test_accuracy": correct.all(axis=(1, 2)).mean(dtype=x_train.dtype),
        "test_bit_accuracy": correct.mean(dtype=x_train.dtype),
    }

"""Recurrent-layer weights between PyTorch, Keras and flax conventions.

PyTorch (and PaddlePaddle, which copies it) stores one layer as

- ``w_ih`` (G H, input_size) and ``w_hh`` (G H, H): gate blocks stacked by rows,
  each block used as ``x @ W_block.T``;
- two biases ``b_ih`` and ``b_hh`` (G H,);
- gate order LSTM (i, f, g, o), GRU (r, z, n).

Keras 3 (``SimpleRNN``, ``LSTM``, ``GRU``) stores

- ``kernel`` (input_size, G H) and ``recurrent_kernel`` (H, G H): used as ``x @ kernel``,
  so torch's matrices transposed;
- one bias (G H,), except ``GRU(reset_after=True)``, whose bias is (2, G H): row 0 the
  input bias, row 1 the recurrent bias;
- gate order LSTM (i, f, c, o) = torch's; GRU (z, r, h): torch's first two blocks swapped.

flax.linen cells keep one ``Dense`` per gate (kernel (input_size, H)) and fewer biases:
``SimpleCell`` a bias on the input side only, ``LSTMCell`` / ``OptimizedLSTMCell`` on the
hidden side only, ``GRUCell`` an input bias on every gate and a hidden bias on ``hn``
alone (it is the only one the reset gate multiplies).

Where two biases are only ever added, one bias holds the same information; going back
to torch the split is not unique, and the functions here put the whole sum in ``b_ih``
and zeros in ``b_hh`` (any split gives the same outputs and the same gradient with
respect to the sum).

Every function works on NumPy arrays by default; pass ``xp=jax.numpy`` or
``xp=tf.experimental.numpy`` to convert framework tensors inside a traced or taped
computation, so that gradients reach the torch-layout weights.
"""

import numpy as np

KERAS_GRU_ORDER = (1, 0, 2)
"""Keras's GRU blocks (z, r, h) as indices into torch's (r, z, n); the permutation is its own inverse."""


def _blocks(a, gates, axis):
    """Split ``a`` into ``gates`` equal blocks along ``axis`` with basic slicing (every namespace supports it)."""
    size = a.shape[axis] // gates
    index = [slice(None)] * len(a.shape)
    blocks = []
    for k in range(gates):
        index[axis] = slice(k * size, (k + 1) * size)
        blocks.append(a[tuple(index)])
    return blocks


def _reorder(a, order, axis, xp):
    """Permute the gate blocks of ``a`` along ``axis``."""
    blocks = _blocks(a, len(order), axis)
    return xp.concatenate([blocks[k] for k in order], axis=axis)


# ---------------------------------------------------------------------- Keras


def torch_rnn_to_keras(w_ih, w_hh, b_ih, b_hh, *, xp=np):
    """torch ``nn.RNN`` weights -> the weights of ``keras.layers.SimpleRNN``.

    Parameters
    ----------
    w_ih : array, shape (H, input_size)
    w_hh : array, shape (H, H)
    b_ih, b_hh : array, shape (H,)
    xp : module
        Array namespace of the inputs.

    Returns
    -------
    list
        ``[kernel (input_size, H), recurrent_kernel (H, H), bias (H,)]`` =
        ``[w_ih.T, w_hh.T, b_ih + b_hh]``, the order of ``layer.get_weights()``.
    """
    return [xp.transpose(w_ih), xp.transpose(w_hh), b_ih + b_hh]


def keras_rnn_to_torch(kernel, recurrent_kernel, bias, *, xp=np):
    """``keras.layers.SimpleRNN`` weights -> torch ``nn.RNN``'s ``(w_ih, w_hh, b_ih, b_hh)``.

    The single Keras bias goes to ``b_ih``; ``b_hh`` is zeros (the split of a sum is not
    unique; any split computes the same).
    """
    return xp.transpose(kernel), xp.transpose(recurrent_kernel), bias, xp.zeros_like(bias)


def torch_lstm_to_keras(w_ih, w_hh, b_ih, b_hh, *, xp=np):
    """torch ``nn.LSTM`` weights -> the weights of ``keras.layers.LSTM``.

    Both order the gates (i, f, g/c, o), so the blocks stay where they are.

    Parameters
    ----------
    w_ih : array, shape (4H, input_size)
    w_hh : array, shape (4H, H)
    b_ih, b_hh : array, shape (4H,)

    Returns
    -------
    list
        ``[w_ih.T (input_size, 4H), w_hh.T (H, 4H), b_ih + b_hh (4H,)]``. Dropping
        ``b_hh`` (copying ``b_ih`` alone) is the classic porting bug.
    """
    return [xp.transpose(w_ih), xp.transpose(w_hh), b_ih + b_hh]


def keras_lstm_to_torch(kernel, recurrent_kernel, bias, *, xp=np):
    """``keras.layers.LSTM`` weights -> torch ``nn.LSTM``'s ``(w_ih, w_hh, b_ih, b_hh)``.

    The split of Keras's one bias into torch's two is not unique: all of it goes to
    ``b_ih`` and ``b_hh`` is zeros, which computes exactly the same LSTM.
    """
    return xp.transpose(kernel), xp.transpose(recurrent_kernel), bias, xp.zeros_like(bias)


def torch_gru_to_keras(w_ih, w_hh, b_ih, b_hh, *, reset_after=True, xp=np):
    """torch-layout GRU weights -> the weights of ``keras.layers.GRU(reset_after=...)``.

    Parameters
    ----------
    w_ih : array, shape (3H, input_size)
        Row blocks (r, z, n).
    w_hh : array, shape (3H, H)
    b_ih, b_hh : array, shape (3H,)
    reset_after : bool
        True (torch's formula, Keras's default): the bias is ``stack([b_ih, b_hh])`` of
        shape (2, 3H), since ``b_hn`` sits inside ``r * (W_hn h + b_hn)`` and cannot be
        merged. False: Keras's ``n = tanh(W_in x + (r h) W_hn + b)`` adds both biases of
        every gate outside any product, so one (3H,) bias ``b_ih + b_hh`` holds them
        (this is the reference's ``gru_forward(reset_after=False)``; torch has no such
        layer).

    Returns
    -------
    list
        ``[kernel (input_size, 3H), recurrent_kernel (H, 3H), bias]``, blocks reordered
        (r, z, n) -> (z, r, h).
    """
    kernel = _reorder(xp.transpose(w_ih), KERAS_GRU_ORDER, 1, xp)
    recurrent_kernel = _reorder(xp.transpose(w_hh), KERAS_GRU_ORDER, 1, xp)
    if reset_after:
        bias = xp.stack([_reorder(b_ih, KERAS_GRU_ORDER, 0, xp), _reorder(b_hh, KERAS_GRU_ORDER, 0, xp)])
    else:
        bias = _reorder(b_ih + b_hh, KERAS_GRU_ORDER, 0, xp)
    return [kernel, recurrent_kernel, bias]


def keras_gru_to_torch(kernel, recurrent_kernel, bias, *, reset_after=True, xp=np):
    """``keras.layers.GRU`` weights -> torch-layout ``(w_ih, w_hh, b_ih, b_hh)``, blocks (z, r, h) -> (r, z, n).

    With ``reset_after=True`` the (2, 3H) bias splits exactly into ``b_ih`` and ``b_hh``
    (torch ``nn.GRU`` then computes the same). With ``reset_after=False`` the (3H,) bias
    goes to ``b_ih`` and ``b_hh`` is zeros: exact for the reference's
    ``gru_forward(reset_after=False)``, and there is no torch layer to load it into.
    """
    w_ih = xp.transpose(_reorder(kernel, KERAS_GRU_ORDER, 1, xp))
    w_hh = xp.transpose(_reorder(recurrent_kernel, KERAS_GRU_ORDER, 1, xp))
    if reset_after:
        return w_ih, w_hh, _reorder(bias[0], KERAS_GRU_ORDER, 0, xp), _reorder(bias[1], KERAS_GRU_ORDER, 0, xp)
    b_ih = _reorder(bias, KERAS_GRU_ORDER, 0, xp)
    return w_ih, w_hh, b_ih, xp.zeros_like(b_ih)


# ----------------------------------------------------------------------- flax


FLAX_LSTM_GATES = ("i", "f", "g", "o")
FLAX_GRU_GATES = ("r", "z", "n")


def torch_rnn_to_flax(w_ih, w_hh, b_ih, b_hh, *, xp=np):
    """torch ``nn.RNN`` weights -> ``flax.linen.SimpleCell`` params.

    Returns
    -------
    dict
        ``{"i": {"kernel": w_ih.T, "bias": b_ih + b_hh}, "h": {"kernel": w_hh.T}}``:
        SimpleCell's hidden Dense has no bias, so the two biases are merged on the input side.
    """
    return {"i": {"kernel": xp.transpose(w_ih), "bias": b_ih + b_hh}, "h": {"kernel": xp.transpose(w_hh)}}


def flax_rnn_to_torch(params, *, xp=np):
    """``flax.linen.SimpleCell`` params -> torch's ``(w_ih, w_hh, b_ih, b_hh)``, ``b_hh`` zeros."""
    bias = params["i"]["bias"]
    return xp.transpose(params["i"]["kernel"]), xp.transpose(params["h"]["kernel"]), bias, xp.zeros_like(bias)


def torch_lstm_to_flax(w_ih, w_hh, b_ih, b_hh, *, xp=np):
    """torch ``nn.LSTM`` weights -> ``flax.linen.LSTMCell`` / ``OptimizedLSTMCell`` params.

    flax keeps one Dense per gate: ``ii, if, ig, io`` on the input, without bias, and
    ``hi, hf, hg, ho`` on the hidden state, with bias. Each kernel is torch's row block
    transposed (input_size, H) or (H, H); each hidden bias is ``b_ih + b_hh`` of that gate.
    """
    input_blocks = _blocks(w_ih, 4, 0)
    hidden_blocks = _blocks(w_hh, 4, 0)
    bias_blocks = _blocks(b_ih + b_hh, 4, 0)
    params = {}
    for gate, w_i, w_h, b in zip(FLAX_LSTM_GATES, input_blocks, hidden_blocks, bias_blocks):
        params[f"i{gate}"] = {"kernel": xp.transpose(w_i)}
        params[f"h{gate}"] = {"kernel": xp.transpose(w_h), "bias": b}
    return params


def flax_lstm_to_torch(params, *, xp=np):
    """flax LSTM cell params -> torch's ``(w_ih, w_hh, b_ih, b_hh)``.

    flax has no input-side bias, so ``b_ih`` is zeros and ``b_hh`` holds flax's hidden biases.
    """
    w_ih = xp.concatenate([xp.transpose(params[f"i{g}"]["kernel"]) for g in FLAX_LSTM_GATES], axis=0)
    w_hh = xp.concatenate([xp.transpose(params[f"h{g}"]["kernel"]) for g in FLAX_LSTM_GATES], axis=0)
    b_hh = xp.concatenate([params[f"h{g}"]["bias"] for g in FLAX_LSTM_GATES], axis=0)
    return w_ih, w_hh, xp.zeros_like(b_hh), b_hh


def torch_gru_to_flax(w_ih, w_hh, b_ih, b_hh, *, xp=np):
    """torch ``nn.GRU`` weights -> ``flax.linen.GRUCell`` params (same formula, reset after).

    flax: ``r = sigma(ir(x) + hr(h))``, ``z = sigma(iz(x) + hz(h))``,
    ``n = tanh(in(x) + r * hn(h))``, where ``ir, iz, in`` and ``hn`` have biases and
    ``hr, hz`` do not. So ``ir`` / ``iz`` take ``b_ir + b_hr`` / ``b_iz + b_hz``, ``in``
    takes ``b_in`` and ``hn`` takes ``b_hn`` (which the reset gate multiplies).
    """
    input_blocks = _blocks(w_ih, 3, 0)
    hidden_blocks = _blocks(w_hh, 3, 0)
    b_i, b_h = _blocks(b_ih, 3, 0), _blocks(b_hh, 3, 0)
    return {
        "ir": {"kernel": xp.transpose(input_blocks[0]), "bias": b_i[0] + b_h[0]},
        "iz": {"kernel": xp.transpose(input_blocks[1]), "bias": b_i[1] + b_h[1]},
        "in": {"kernel": xp.transpose(input_blocks[2]), "bias": b_i[2]},
        "hr": {"kernel": xp.transpose(hidden_blocks[0])},
        "hz": {"kernel": xp.transpose(hidden_blocks[1])},
        "hn": {"kernel": xp.transpose(hidden_blocks[2]), "bias": b_h[2]},
    }


def flax_gru_to_torch(params, *, xp=np):
    """``flax.linen.GRUCell`` params -> torch's ``(w_ih, w_hh, b_ih, b_hh)``.

    The merged r and z biases go to ``b_ih``, with zeros in those blocks of ``b_hh``;
    ``b_in`` and ``b_hn`` come back exactly.
    """
    w_ih = xp.concatenate([xp.transpose(params[f"i{g}"]["kernel"]) for g in FLAX_GRU_GATES], axis=0)
    w_hh = xp.concatenate([xp.transpose(params[f"h{g}"]["kernel"]) for g in FLAX_GRU_GATES], axis=0)
    b_ih = xp.concatenate([params[f"i{g}"]["bias"] for g in FLAX_GRU_GATES], axis=0)
    b_hn = params["hn"]["bias"]
    b_hh = xp.concatenate([xp.zeros_like(b_hn), xp.zeros_like(b_hn), b_hn], axis=0)
    return w_ih, w_hh, b_ih, b_hh

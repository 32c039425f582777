"""Recurrent layers in NumPy: Elman RNN, LSTM and GRU, forward and backpropagation through time.

Layout and gate order are PyTorch's (``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` with
``batch_first=True``, one layer, one direction):

- ``x`` (N, T, input_size), batch first; ``h0`` (and ``c0``) (N, H);
- ``w_ih`` (G H, input_size), ``w_hh`` (G H, H), ``b_ih`` and ``b_hh`` (G H,), the
  G gate blocks stacked by rows: G = 1 for the RNN, 4 for the LSTM in the order
  (i, f, g, o), 3 for the GRU in the order (r, z, n);
- ``out`` (N, T, H): the hidden state after every time step (torch's ``output``;
  its ``h_n`` is ``out[:, -1]``).

Every layer is one step function applied T times. The input's share of the gates,
``x_t W_ih^T + b_ih``, does not depend on the state, so it is computed for all time
steps in one matrix product before the loop; inside the loop each step costs one
product with ``W_hh``. The backward pass walks the steps in reverse, each step with
the cache it saved (``*_step_backward``), carrying dL/dh (and dL/dc) from step t to
step t - 1; the weight gradients are sums over time of outer products, so they are
taken after the loop as one matrix product over all N T rows.

Stability: the gate sigmoid is written as ``(1 + tanh(a / 2)) / 2``, algebraically
equal to 1 / (1 + e^-a) but without an ``exp`` that overflows for large |a|.
Every array keeps the dtype of the inputs.

The module ends with a whole training run built on :func:`rnn_forward` and
:func:`rnn_backward`: an Elman RNN that learns to add binary numbers bit by bit
(:func:`binary_addition_rnn_training_forward`, data from :func:`binary_addition_data`).
"""

import numpy as np

from reference import checks
from reference.activations import sigmoid_forward


def _sigmoid(a):
    """sigma(a) = (1 + tanh(a / 2)) / 2: no exp, so no overflow at any |a| (saturated gates)."""
    return 0.5 * (1 + np.tanh(0.5 * a))


def _previous_states(h0, out):
    """The state each step started from, h_{t-1} for t = 0 .. T-1: (N, T, H)."""
    return np.concatenate([h0[:, None, :], out[:, :-1, :]], axis=1)


def _gate_blocks(a, gates):
    """The ``gates`` column blocks of a (N, gates * H) array, as views (np.split does the same, ten times slower)."""
    hidden = a.shape[1] // gates
    return [a[:, k * hidden : (k + 1) * hidden] for k in range(gates)]


def _column_major(w_hh):
    """``w_hh`` stored column by column (same values), for the forward product ``h @ w_hh.T``.

    Then ``w_hh.T`` is a row-major matrix, and OpenBLAS multiplies a (N, H) block by a
    row-major right operand about twice as fast as by a transposed view at N = 32. The
    backward product ``dgates @ w_hh`` wants the row-major original, so it keeps that.
    """
    return np.asfortranarray(w_hh)


def _rows(a):
    """(N, T, K) -> (N T, K): every (example, time step) pair as one row of a matrix product."""
    return a.reshape(-1, a.shape[-1])


# --------------------------------------------------------------------------- Elman RNN


def rnn_step_forward(x_proj, h_prev, w_hh, b_hh, *, nonlinearity="tanh"):
    """One step of an Elman RNN, given the input's share of the pre-activation.

    Parameters
    ----------
    x_proj : ndarray, shape (N, H)
        ``x_t W_ih^T + b_ih``.
    h_prev : ndarray, shape (N, H)
    w_hh : ndarray, shape (H, H)
    b_hh : ndarray, shape (H,)
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    h : ndarray, shape (N, H)
        ``phi(x_proj + h_prev W_hh^T + b_hh)``
    cache : tuple
        ``h`` (phi' is a function of it).
    """
    a = x_proj + h_prev @ w_hh.T + b_hh
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    return h, (h, nonlinearity)


def rnn_step_backward(dh, cache, w_hh):
    """Backward through one RNN step.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        dL/dh_t, from the output at t and from step t + 1.
    cache : tuple
        From :func:`rnn_step_forward`.
    w_hh : ndarray, shape (H, H)

    Returns
    -------
    da : ndarray, shape (N, H)
        dL/da_t = dh * phi'(a_t): ``1 - h^2`` for tanh, ``[h > 0]`` for relu (0 at a = 0, as in torch).
    dh_prev : ndarray, shape (N, H)
        ``da W_hh``.
    """
    h, nonlinearity = cache
    da = dh * (1 - h * h) if nonlinearity == "tanh" else dh * (h > 0)
    return da, da @ w_hh


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """Elman RNN over a batch-first sequence (``torch.nn.RNN(batch_first=True)``).

    .. math::

        h_t = \\phi(x_t W_{ih}^\\top + b_{ih} + h_{t-1} W_{hh}^\\top + b_{hh}), \\quad
        \\phi \\in \\{\\tanh, \\mathrm{relu}\\}

    Parameters
    ----------
    x : ndarray, shape (N, T, input_size)
    h0 : ndarray, shape (N, H)
    w_ih : ndarray, shape (H, input_size)
    w_hh : ndarray, shape (H, H)
    b_ih, b_hh : ndarray, shape (H,)
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    out : ndarray, shape (N, T, H)
        h_1 .. h_T.
    cache : tuple
        The inputs, ``out`` and each step's cache.

    Raises
    ------
    ValueError
        Naming ``x``, ``h0``, ``w_ih``, ``w_hh``, ``b_ih`` or ``b_hh`` when its shape
        does not fit (see :func:`reference.checks.recurrent_layer`), ``nonlinearity``
        when it is not "tanh" or "relu".
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    n, steps, _, hidden = checks.recurrent_layer(x, [("h0", h0)], w_ih, w_hh, b_ih, b_hh, gates=1)
    x_proj = x @ w_ih.T + b_ih  # (N, T, H): the input's share of every step at once
    w_hh_f = _column_major(w_hh)
    out = np.empty((n, steps, hidden), dtype=x_proj.dtype)
    h, caches = h0, []
    for t in range(steps):
        h, step_cache = rnn_step_forward(x_proj[:, t], h, w_hh_f, b_hh, nonlinearity=nonlinearity)
        out[:, t] = h
        caches.append(step_cache)
    return out, (x, h0, w_ih, w_hh, out, caches)


def rnn_backward(dout, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    With ``da_t = (dout_t + dh_t^{next}) * phi'(a_t)`` and ``dh_{t-1}^{next} = da_t W_hh``
    (walking t = T .. 1):

    Parameters
    ----------
    dout : ndarray, shape (N, T, H)
        dL/dh_t for every t (zero where only the last state is used).

    Returns
    -------
    dx : ndarray, shape (N, T, input_size)
        ``da_t W_ih``
    dh0 : ndarray, shape (N, H)
        ``da_1 W_hh``
    dw_ih : ndarray, shape (H, input_size)
        ``sum_t da_t^T x_t``
    dw_hh : ndarray, shape (H, H)
        ``sum_t da_t^T h_{t-1}``
    db_ih, db_hh : ndarray, shape (H,)
        ``sum_t sum_n da_t`` (both biases enter the same sum, so their gradients are equal).
    """
    x, h0, w_ih, w_hh, out, caches = cache
    da = np.empty_like(out)
    dh = np.zeros_like(h0)
    for t in reversed(range(len(caches))):
        da[:, t], dh = rnn_step_backward(dout[:, t] + dh, caches[t], w_hh)
    dx = da @ w_ih
    dw_ih = _rows(da).T @ _rows(x)
    dw_hh = _rows(da).T @ _rows(_previous_states(h0, out))
    db = _rows(da).sum(axis=0)
    return dx, dh, dw_ih, dw_hh, db, db.copy()


# ------------------------------------------------------------------------------- LSTM


def lstm_step_forward(x_proj, h_prev, c_prev, w_hh, b_hh):
    """One LSTM step, given the input's share of the gates.

    Parameters
    ----------
    x_proj : ndarray, shape (N, 4H)
        ``x_t W_ih^T + b_ih``, gate blocks (i, f, g, o).
    h_prev, c_prev : ndarray, shape (N, H)
    w_hh : ndarray, shape (4H, H)
    b_hh : ndarray, shape (4H,)

    Returns
    -------
    h, c : ndarray, shape (N, H)
        ``c = f c_prev + i g``, ``h = o tanh(c)`` with i, f, o sigmoids and g a tanh of
        ``x_proj + h_prev W_hh^T + b_hh``.
    cache : tuple
        The activated gates (N, 4H), ``c_prev`` and ``tanh(c)``.
    """
    hidden = h_prev.shape[1]
    gates = x_proj + h_prev @ w_hh.T + b_hh  # (N, 4H): i, f, g, o
    act = _sigmoid(gates)  # i, f and o; the g block is replaced by its tanh
    act[:, 2 * hidden : 3 * hidden] = np.tanh(gates[:, 2 * hidden : 3 * hidden])
    i, f, g, o = _gate_blocks(act, 4)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, (act, c_prev, tanh_c)


def lstm_step_backward(dh, dc, cache, w_hh):
    """Backward through one LSTM step.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        dL/dh_t (from the output at t and from step t + 1).
    dc : ndarray, shape (N, H)
        dL/dc_t from step t + 1 (zero at the last step).
    cache : tuple
        From :func:`lstm_step_forward`.
    w_hh : ndarray, shape (4H, H)

    Returns
    -------
    dgates : ndarray, shape (N, 4H)
        dL/d(pre-activation) of (i, f, g, o): with ``dc_t = dc + dh o (1 - tanh^2 c)``,
        ``[dc_t g i(1-i), dc_t c_prev f(1-f), dc_t i (1-g^2), dh tanh(c) o(1-o)]``.
    dh_prev : ndarray, shape (N, H)
        ``dgates W_hh``
    dc_prev : ndarray, shape (N, H)
        ``dc_t f``
    """
    act, c_prev, tanh_c = cache
    i, f, g, o = _gate_blocks(act, 4)
    dc = dc + dh * o * (1 - tanh_c * tanh_c)
    dgates = np.concatenate(
        [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=1
    )
    return dgates, dgates @ w_hh, dc * f


def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """LSTM over a batch-first sequence (``torch.nn.LSTM(batch_first=True)``).

    .. math::

        [i, f, g, o]_t = x_t W_{ih}^\\top + b_{ih} + h_{t-1} W_{hh}^\\top + b_{hh}
        \\text{ (pre-activations)}, \\quad
        c_t = \\sigma(f_t) c_{t-1} + \\sigma(i_t) \\tanh(g_t), \\quad
        h_t = \\sigma(o_t) \\tanh(c_t)

    Parameters
    ----------
    x : ndarray, shape (N, T, input_size)
    h0, c0 : ndarray, shape (N, H)
    w_ih : ndarray, shape (4H, input_size)
        Row blocks i, f, g, o (torch's ``weight_ih_l0``).
    w_hh : ndarray, shape (4H, H)
    b_ih, b_hh : ndarray, shape (4H,)
        Two biases that only ever appear as their sum (Keras keeps one).

    Returns
    -------
    out : ndarray, shape (N, T, H)
        h_1 .. h_T.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``x``, ``h0``, ``c0``, ``w_ih``, ``w_hh``, ``b_ih`` or ``b_hh`` when its
        shape does not fit (see :func:`reference.checks.recurrent_layer`).
    """
    n, steps, _, hidden = checks.recurrent_layer(x, [("h0", h0), ("c0", c0)], w_ih, w_hh, b_ih, b_hh, gates=4)
    x_proj = x @ w_ih.T + b_ih  # (N, T, 4H)
    w_hh_f = _column_major(w_hh)
    out = np.empty((n, steps, hidden), dtype=x_proj.dtype)
    h, c, caches = h0, c0, []
    for t in range(steps):
        h, c, step_cache = lstm_step_forward(x_proj[:, t], h, c, w_hh_f, b_hh)
        out[:, t] = h
        caches.append(step_cache)
    return out, (x, h0, w_ih, w_hh, out, caches)


def lstm_backward(dout, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, T, H)

    Returns
    -------
    dx : ndarray, shape (N, T, input_size)
        ``dgates_t W_ih``
    dh0, dc0 : ndarray, shape (N, H)
        What step 1 passes back (see :func:`lstm_step_backward`).
    dw_ih : ndarray, shape (4H, input_size)
        ``sum_t dgates_t^T x_t``
    dw_hh : ndarray, shape (4H, H)
        ``sum_t dgates_t^T h_{t-1}``
    db_ih, db_hh : ndarray, shape (4H,)
        ``sum_t sum_n dgates_t``, equal.
    """
    x, h0, w_ih, w_hh, out, caches = cache
    n, steps, hidden = out.shape
    dgates = np.empty((n, steps, 4 * hidden), dtype=out.dtype)
    dh, dc = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(steps)):
        dgates[:, t], dh, dc = lstm_step_backward(dout[:, t] + dh, dc, caches[t], w_hh)
    dx = dgates @ w_ih
    dw_ih = _rows(dgates).T @ _rows(x)
    dw_hh = _rows(dgates).T @ _rows(_previous_states(h0, out))
    db = _rows(dgates).sum(axis=0)
    return dx, dh, dc, dw_ih, dw_hh, db, db.copy()


# -------------------------------------------------------------------------------- GRU


def gru_step_forward(x_proj, h_prev, w_hh, b_hh, *, reset_after=True):
    """One GRU step, given the input's share of the gates.

    Parameters
    ----------
    x_proj : ndarray, shape (N, 3H)
        ``x_t W_ih^T + b_ih``, gate blocks (r, z, n).
    h_prev : ndarray, shape (N, H)
    w_hh : ndarray, shape (3H, H)
    b_hh : ndarray, shape (3H,)
    reset_after : bool
        True: ``n = tanh(x_n + r (h_prev W_hn^T + b_hn))`` (torch, Keras >= 2.3);
        False: ``n = tanh(x_n + (r h_prev) W_hn^T + b_hn)`` (the original GRU, Keras <= 2.2).

    Returns
    -------
    h : ndarray, shape (N, H)
        ``(1 - z) n + z h_prev`` with ``r, z = sigma(x_rz + h_prev W_hrz^T + b_hrz)``.
    cache : tuple
        ``h_prev``, r, z, n, the reset gate's operand (``h_prev W_hn^T + b_hn`` when
        ``reset_after``, else ``r h_prev``).
    """
    hidden = h_prev.shape[1]
    rz_rows = slice(0, 2 * hidden)
    n_rows = slice(2 * hidden, 3 * hidden)
    if reset_after:
        h_proj = h_prev @ w_hh.T + b_hh  # (N, 3H), one product for all three blocks
        r, z = _gate_blocks(_sigmoid(x_proj[:, rz_rows] + h_proj[:, rz_rows]), 2)
        reset_operand = h_proj[:, n_rows]  # W_hn h + b_hn, which r scales
        n = np.tanh(x_proj[:, n_rows] + r * reset_operand)
    else:
        rz = _sigmoid(x_proj[:, rz_rows] + h_prev @ w_hh[rz_rows].T + b_hh[rz_rows])
        r, z = _gate_blocks(rz, 2)
        reset_operand = r * h_prev  # r scales h before the product with W_hn
        n = np.tanh(x_proj[:, n_rows] + reset_operand @ w_hh[n_rows].T + b_hh[n_rows])
    h = n + z * (h_prev - n)  # (1 - z) n + z h_prev
    return h, (h_prev, r, z, n, reset_operand, reset_after)


def gru_step_backward(dh, cache, w_hh):
    """Backward through one GRU step.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        dL/dh_t (from the output at t and from step t + 1).
    cache : tuple
        From :func:`gru_step_forward`.
    w_hh : ndarray, shape (3H, H)

    Returns
    -------
    dx_proj : ndarray, shape (N, 3H)
        dL/d(x_t W_ih^T + b_ih): ``[da_r, da_z, da_n]`` with ``da_n = dh (1 - z)(1 - n^2)``,
        ``da_z = dh (h_prev - n) z (1 - z)``, ``da_r = dr r (1 - r)``.
    dh_proj : ndarray, shape (N, 3H)
        dL/d(h-side pre-activation of each block): ``[da_r, da_z, da_n r]`` when
        ``reset_after`` (then ``dr = da_n (h W_hn^T + b_hn)``); ``[da_r, da_z, da_n]``
        otherwise (then the n block's operand is ``r h`` and ``dr = (da_n W_hn) h``).
    dh_prev : ndarray, shape (N, H)
        ``dh z + dh_proj W_hh`` when ``reset_after``; ``dh z + [da_r, da_z] W_hrz +
        (da_n W_hn) r`` otherwise.
    """
    h_prev, r, z, n, reset_operand, reset_after = cache
    hidden = h_prev.shape[1]
    dz = dh * (h_prev - n)
    da_n = dh * (1 - z) * (1 - n * n)
    if reset_after:
        dr = da_n * reset_operand
        da_rz = np.concatenate([dr * r * (1 - r), dz * z * (1 - z)], axis=1)
        dh_proj = np.concatenate([da_rz, da_n * r], axis=1)
        dh_prev = dh * z + dh_proj @ w_hh
        return np.concatenate([da_rz, da_n], axis=1), dh_proj, dh_prev
    d_reset_operand = da_n @ w_hh[2 * hidden :]  # dL/d(r h_prev)
    dr = d_reset_operand * h_prev
    da_rz = np.concatenate([dr * r * (1 - r), dz * z * (1 - z)], axis=1)
    dh_prev = dh * z + da_rz @ w_hh[: 2 * hidden] + d_reset_operand * r
    dx_proj = np.concatenate([da_rz, da_n], axis=1)
    return dx_proj, dx_proj, dh_prev


def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, *, reset_after=True):
    """GRU over a batch-first sequence (``torch.nn.GRU(batch_first=True)`` when ``reset_after``).

    .. math::

        r_t = \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \\quad
        z_t = \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})

        n_t = \\tanh(W_{in} x_t + b_{in} + r_t \\odot (W_{hn} h_{t-1} + b_{hn}))
        \\quad \\text{(reset\\_after=True: torch, Keras} \\ge \\text{2.3)}

        n_t = \\tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \\odot h_{t-1}) + b_{hn})
        \\quad \\text{(reset\\_after=False: Cho et al. 2014, Keras} \\le \\text{2.2, ONNX default)}

        h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

    Parameters
    ----------
    x : ndarray, shape (N, T, input_size)
    h0 : ndarray, shape (N, H)
    w_ih : ndarray, shape (3H, input_size)
        Row blocks r, z, n (torch's ``weight_ih_l0``; Keras orders z, r, h).
    w_hh : ndarray, shape (3H, H)
    b_ih, b_hh : ndarray, shape (3H,)
    reset_after : bool

    Returns
    -------
    out : ndarray, shape (N, T, H)
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``x``, ``h0``, ``w_ih``, ``w_hh``, ``b_ih`` or ``b_hh`` when its shape
        does not fit (see :func:`reference.checks.recurrent_layer`), ``reset_after``
        when it is not a bool.
    """
    if not isinstance(reset_after, (bool, np.bool_)):
        raise ValueError(f"reset_after must be True or False, got {reset_after!r}")
    n, steps, _, hidden = checks.recurrent_layer(x, [("h0", h0)], w_ih, w_hh, b_ih, b_hh, gates=3)
    x_proj = x @ w_ih.T + b_ih  # (N, T, 3H)
    w_hh_f = _column_major(w_hh)
    out = np.empty((n, steps, hidden), dtype=x_proj.dtype)
    h, caches = h0, []
    for t in range(steps):
        h, step_cache = gru_step_forward(x_proj[:, t], h, w_hh_f, b_hh, reset_after=reset_after)
        out[:, t] = h
        caches.append(step_cache)
    return out, (x, h0, w_ih, w_hh, out, caches, bool(reset_after))


def gru_backward(dout, cache):
    """Backpropagation through time for :func:`gru_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, T, H)

    Returns
    -------
    dx : ndarray, shape (N, T, input_size)
        ``dx_proj_t W_ih``
    dh0 : ndarray, shape (N, H)
    dw_ih : ndarray, shape (3H, input_size)
        ``sum_t dx_proj_t^T x_t``
    dw_hh : ndarray, shape (3H, H)
        ``sum_t dh_proj_t^T h_{t-1}``; with ``reset_after=False`` the n block's rows
        are ``sum_t da_{n,t}^T (r_t h_{t-1})`` instead.
    db_ih : ndarray, shape (3H,)
        ``sum_t sum_n dx_proj_t``
    db_hh : ndarray, shape (3H,)
        ``sum_t sum_n dh_proj_t`` (differs from db_ih in the n block when ``reset_after``).
    """
    x, h0, w_ih, w_hh, out, caches, reset_after = cache
    n, steps, hidden = out.shape
    dx_proj = np.empty((n, steps, 3 * hidden), dtype=out.dtype)
    dh_proj = np.empty_like(dx_proj)
    dh = np.zeros_like(h0)
    for t in reversed(range(steps)):
        dx_proj[:, t], dh_proj[:, t], dh = gru_step_backward(dout[:, t] + dh, caches[t], w_hh)
    dx = dx_proj @ w_ih
    dw_ih = _rows(dx_proj).T @ _rows(x)
    h_prev = _rows(_previous_states(h0, out))
    if reset_after:
        dw_hh = _rows(dh_proj).T @ h_prev
    else:  # the n block multiplies r h_{t-1}, not h_{t-1}
        reset_h = np.stack([step_cache[4] for step_cache in caches], axis=1)  # (N, T, H): r_t h_{t-1}
        dw_hh = np.concatenate(
            [_rows(dh_proj[..., : 2 * hidden]).T @ h_prev, _rows(dh_proj[..., 2 * hidden :]).T @ _rows(reset_h)]
        )
    return dx, dh, dw_ih, dw_hh, _rows(dx_proj).sum(axis=0), _rows(dh_proj).sum(axis=0)


# ------------------------------------------------------ training: binary addition


def binary_addition_data(rng, *, steps, batch_size, bits=8, n_test=1000):
    """The 'RNN learns to add' exercise: pairs of numbers as bit sequences, least significant bit first.

    Every pair (a, b) with a, b < 2^(bits-1) (so that a + b fits in ``bits`` bits) is
    either held out for the test (``n_test`` of them, drawn once) or in the training
    pool, from which ``steps`` batches of ``batch_size`` pairs are drawn with
    replacement. Time step t carries bit t of a and of b as the input and bit t of
    a + b as the target: the network has to carry from one step to the next.

    Parameters
    ----------
    rng : numpy.random.Generator
    steps, batch_size : int
        Training batches and their size.
    bits : int
        Sequence length T (8 in the classic exercise).
    n_test : int
        Held-out pairs; at most half of the 4^(bits-1) pairs.

    Returns
    -------
    dict
        ``x_train`` (steps, batch_size, bits, 2), ``y_train`` (steps, batch_size, bits, 1),
        ``x_test`` (n_test, bits, 2), ``y_test`` (n_test, bits, 1), float64 0/1 bits.

    Raises
    ------
    ValueError
        Naming ``steps``, ``batch_size`` or ``bits`` when not a positive int (bits at
        least 2), ``n_test`` when not a positive int up to half of the pairs.
    """
    checks.count(steps, "steps", minimum=1)
    checks.count(batch_size, "batch_size", minimum=1)
    checks.count(bits, "bits", minimum=2)
    pairs = 4 ** (bits - 1)
    checks.count(n_test, "n_test", minimum=1)
    if n_test > pairs // 2:
        raise ValueError(f"n_test must be at most half of the {pairs} pairs of {bits - 1}-bit numbers, got {n_test}")
    order = rng.permutation(pairs)
    test, pool = order[:n_test], order[n_test:]
    train = rng.choice(pool, size=(steps, batch_size))
    return {**_addition_bits(train, bits, "train"), **_addition_bits(test, bits, "test")}


def _addition_bits(pair_index, bits, split):
    """x (..., bits, 2) and y (..., bits, 1), least significant bit first, for pairs numbered a * 2^(bits-1) + b."""
    a, b = np.divmod(pair_index, 2 ** (bits - 1))
    place = np.arange(bits)
    bits_of = lambda v: (v[..., None] >> place) & 1  # noqa: E731 - (..., bits), bit t at position t
    x = np.stack([bits_of(a), bits_of(b)], axis=-1).astype(np.float64)
    return {f"x_{split}": x, f"y_{split}": bits_of(a + b)[..., None].astype(np.float64)}


def binary_addition_rnn_inputs(rng, *, hidden=16, steps=1000, batch_size=32, bits=8, n_test=1000, bound=0.5):
    """Data (:func:`binary_addition_data`) and torch-style initial weights of the adding RNN.

    Returns
    -------
    dict
        The data, then ``w_ih`` (hidden, 2), ``w_hh`` (hidden, hidden), ``b`` (hidden,),
        ``w_out`` (1, hidden), ``b_out`` (1,), all U(-bound, bound) (0.5 is twice
        ``nn.RNN``'s 1/sqrt(hidden) for 16 units: a shorter plateau before the network
        finds the carry); in the positional order of
        :func:`binary_addition_rnn_training_forward`.
    """
    checks.count(hidden, "hidden", minimum=1)
    checks.positive(bound, "bound")
    data = binary_addition_data(rng, steps=steps, batch_size=batch_size, bits=bits, n_test=n_test)
    draw = lambda *shape: rng.uniform(-bound, bound, shape)  # noqa: E731
    weights = {"w_ih": draw(hidden, 2), "w_hh": draw(hidden, hidden), "b": draw(hidden), "w_out": draw(1, hidden),
               "b_out": draw(1)}
    return {**data, **weights}


def _adder_logits(x, w_ih, w_hh, b, w_out, b_out):
    """Logits (N, T, 1) of the adder, with the RNN's output and cache."""
    h0 = np.zeros((x.shape[0], w_hh.shape[0]), dtype=x.dtype)
    out, cache = rnn_forward(x, h0, w_ih, w_hh, b, np.zeros_like(b))
    return out @ w_out.T + b_out, out, cache


def binary_addition_rnn_training_forward(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    """Teach an Elman RNN to add binary numbers bit by bit: BPTT and plain SGD.

    The model reads bit t of a and b at step t (least significant first) and predicts
    bit t of a + b:

        h_t = tanh(x_t W_ih^T + h_{t-1} W_hh^T + b),  h_0 = 0
        z_t = h_t w_out^T + b_out,  p_t = sigma(z_t)
        L = mean over the batch and the T steps of BCE(p_t, y_t)

    Step k draws batch k, takes the gradients by :func:`rnn_backward` (dL/dz =
    (p - y) / (N T), dL/dh_t = dL/dz_t w_out) and updates every weight by
    W <- W - lr dL/dW. One bias ``b`` (torch's ``b_ih``; ``b_hh`` stays zero), as in
    Keras's ``SimpleRNN`` and flax's ``SimpleCell``: two biases that always get the
    same gradient would move their sum twice as fast under SGD.

    Parameters
    ----------
    x_train : ndarray, shape (steps, N, T, 2)
    y_train : ndarray, shape (steps, N, T, 1)
    x_test : ndarray, shape (n_test, T, 2)
    y_test : ndarray, shape (n_test, T, 1)
    w_ih : ndarray, shape (H, 2)
    w_hh : ndarray, shape (H, H)
    b : ndarray, shape (H,)
    w_out : ndarray, shape (1, H)
    b_out : ndarray, shape (1,)
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,): the loss of each step's batch before its update; the final
        ``w_ih``, ``w_hh``, ``b``, ``w_out``, ``b_out``; ``test_accuracy`` (): the
        fraction of held-out sums with every bit right; ``test_bit_accuracy`` ().
    cache : None

    Raises
    ------
    ValueError
        Naming ``x_train`` when it is not (steps, N, T, features), ``y_train``,
        ``x_test`` or ``y_test`` when they do not match it, a weight whose shape does
        not fit, ``lr`` when not positive.
    """
    if np.ndim(x_train) != 4:
        raise ValueError(f"x_train must have shape (steps, N, T, features), got {np.shape(x_train)}")
    if np.shape(y_train) != (*x_train.shape[:3], 1):
        raise ValueError(
            f"y_train must have shape {(*x_train.shape[:3], 1)}, a target bit per input step, got {np.shape(y_train)}"
        )
    if np.ndim(x_test) != 3 or x_test.shape[2] != x_train.shape[3]:
        raise ValueError(f"x_test must have shape (n_test, T, {x_train.shape[3]}), got {np.shape(x_test)}")
    if np.shape(y_test) != (*x_test.shape[:2], 1):
        raise ValueError(f"y_test must have shape {(*x_test.shape[:2], 1)}, got {np.shape(y_test)}")
    checks.recurrent_layer(x_test, [], w_ih, w_hh, b, b, gates=1)
    checks.dense_layers(np.empty((0, w_hh.shape[0])), [("w_out", w_out, "b_out", b_out)], x_name="h")
    checks.positive(lr, "lr")
    params = [w_ih, w_hh, b, w_out, b_out]
    losses = np.empty(len(x_train), dtype=x_train.dtype)
    for step, (x, y) in enumerate(zip(x_train, y_train)):
        w_ih, w_hh, b, w_out, b_out = params
        z, out, cache = _adder_logits(x, *params)
        losses[step] = np.mean(np.logaddexp(0, z) - y * z)  # BCE with logits, no overflow
        dz = (sigmoid_forward(z)[0] - y) / z.size
        dw_out, db_out = _rows(dz).T @ _rows(out), _rows(dz).sum(axis=0)
        _, _, dw_ih, dw_hh, db, _ = rnn_backward(dz @ w_out, cache)
        params = [p - lr * g for p, g in zip(params, (dw_ih, dw_hh, db, dw_out, db_out))]
    correct = (_adder_logits(x_test, *params)[0] > 0) == (y_test == 1)
    outputs = {
        "loss": losses,
        **dict(zip(("w_ih", "w_hh", "b", "w_out", "b_out"), params)),
        "test_accuracy": np.asarray(np.mean(correct.all(axis=(1, 2))), dtype=x_train.dtype),
        "test_bit_accuracy": np.asarray(np.mean(correct), dtype=x_train.dtype),
    }
    return outputs, None


def train_binary_addition_rnn(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    """:func:`binary_addition_rnn_training_forward` without the cache: the outputs dict."""
    inputs = (x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out)
    return binary_addition_rnn_training_forward(*inputs, lr=lr)[0]


def recurrent_matmuls(x, w_ih, w_hh, *, gates):
    """The matrix products of a recurrent forward and backward pass, alone.

    Returns a callable that repeats, on operands of the reference's shapes, the input
    projection, one ``h W_hh^T`` per step forward, one ``dgates W_hh`` per step
    backward, and the three products of the weight and input gradients: the time
    no arrangement of the elementwise gate math can go under with this BLAS.
    ``rosetta bench`` reports it beside the full NumPy time.
    """
    n, steps, _ = x.shape
    hidden = w_hh.shape[1]
    h = np.ones((n, hidden), dtype=x.dtype)
    dgates = np.ones((n, steps, gates * hidden), dtype=x.dtype)
    states = np.ones((n, steps, hidden), dtype=x.dtype)
    w_hh_f = _column_major(w_hh)

    def run():
        x @ w_ih.T
        for t in range(steps):
            h @ w_hh_f.T
            dgates[:, t] @ w_hh
        dgates @ w_ih
        _rows(dgates).T @ _rows(x)
        _rows(dgates).T @ _rows(states)

    return run

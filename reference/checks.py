"""Argument checks shared by the reference modules.

Each helper raises a ``ValueError`` whose message starts with the name of the
offending argument, so that an impossible call fails at the boundary with its
reason, not deep inside NumPy with a broadcasting error, an IndexError, a silent
wrong answer or NaN. They look at shapes and scalars only (index ranges aside)
and never change a value, so valid calls compute exactly what they did before.
"""

import numpy as np


def _is_real(value):
    """A real scalar: a Python or NumPy int or float, or a 0-d array of one (not a bool)."""
    return np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iuf"


def positive(value, name):
    """``value`` is a finite number > 0 (learning rates, epsilons, fans)."""
    if not (_is_real(value) and 0 < value < np.inf):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def non_negative(value, name):
    """``value`` is a finite number >= 0 (penalty strengths, initial accumulators)."""
    if not (_is_real(value) and 0 <= value < np.inf):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")


def in_range(value, name, low=0, high=1, *, low_closed=True, high_closed=False):
    """``value`` lies in the interval from ``low`` to ``high``, [0, 1) by default (probabilities, decay rates)."""
    inside = _is_real(value) and (low <= value if low_closed else low < value)
    inside = inside and (value <= high if high_closed else value < high)
    if not inside:
        interval = f"{'[' if low_closed else '('}{low}, {high}{']' if high_closed else ')'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")


def count(value, name, *, minimum=0):
    """``value`` is an int >= ``minimum`` (seeds, sizes, numbers of steps)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")
        raise ValueError(f"{name} must be {what}, got {value!r}")


def same_shape(a, b, name_a, name_b):
    """``a`` and ``b`` have the same shape (a prediction and its target)."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {np.shape(a)} and {np.shape(b)}")


def broadcastable(a, b, name_a, name_b):
    """``b`` broadcasts against ``a`` (NumPy's rule); naming ``b`` when it does not."""
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise ValueError(
            f"{name_b} of shape {np.shape(b)} does not broadcast against {name_a} of shape {np.shape(a)}: "
            "aligned from the right, each pair of sizes must be equal or contain a 1"
        ) from None


def reduction_axis(x, axis):
    """``axis`` is an int axis of ``x`` along which ``x`` has at least one entry (a max, min or mean)."""
    ndim = np.ndim(x)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"axis must be an int in [-{ndim}, {ndim}) for x of shape {np.shape(x)}, got {axis!r}")
    if np.shape(x)[axis] == 0:
        raise ValueError(f"x must have at least one entry along axis {axis}, got shape {np.shape(x)}")


def indices(values, bound, name, what="class indices"):
    """``values`` hold integers in [0, ``bound``) (class labels, row numbers).

    Raises
    ------
    TypeError
        When ``values`` are not integers.
    ValueError
        Naming ``name`` when one lies outside [0, ``bound``).
    """
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"{name} must hold integer {what}, got dtype {values.dtype}")
    if values.size and (values.min() < 0 or values.max() >= bound):
        raise ValueError(f"{name} indices must lie in [0, {bound}), got {values.min()}..{values.max()}")


def training_run(steps, lr):
    """At least one step (a training run of no steps has no loss to report) and a positive learning rate."""
    count(steps, "steps", minimum=1)
    positive(lr, "lr")


def targets(y, x, width, y_name="y", x_name="x"):
    """y of shape (N, width): one row of targets per row of x."""
    if np.shape(y) != (x.shape[0], width):
        raise ValueError(
            f"{y_name} must have shape ({x.shape[0]}, {width}), a row of targets per row of {x_name}, got {np.shape(y)}"
        )


def same_features(x, x_train, name):
    """x of shape (n, F): held-out rows with the F features of ``x_train``."""
    if np.ndim(x) != 2 or x.shape[1] != x_train.shape[1]:
        raise ValueError(f"{name} must have shape (n, {x_train.shape[1]}) like x_train, got {np.shape(x)}")


def labels(y, x, n_classes, y_name, x_name):
    """y of shape (N,): one class index in [0, n_classes) per row of x."""
    if np.shape(y) != (x.shape[0],):
        raise ValueError(f"{y_name} must have shape ({x.shape[0]},), a label per row of {x_name}, got {np.shape(y)}")
    indices(y, n_classes, y_name)


def dense_layers(x, layers, x_name="x"):
    """Check ``x`` (N, in_features) and a chain of linear layers in PyTorch layout.

    Parameters
    ----------
    x : ndarray, shape (N, in_features)
    layers : sequence of (w_name, w, b_name, b)
        ``w`` of shape (out_features, in_features), its in_features the width of what
        comes before it (x's features, then the previous layer's outputs); ``b`` (out_features,).
    x_name : str

    Returns
    -------
    int
        The width of the last layer's output (x's features when there are no layers).

    Raises
    ------
    ValueError
        Naming ``x_name`` when x is not 2-D, the first ``w_name`` or ``b_name`` whose
        array does not fit what comes before it.
    """
    if np.ndim(x) != 2:
        raise ValueError(f"{x_name} must have shape (N, in_features), got {np.shape(x)}")
    width, source = x.shape[1], f"{x_name}'s {x.shape[1]} features"
    for w_name, w, b_name, b in layers:
        if np.ndim(w) != 2 or w.shape[1] != width:
            raise ValueError(
                f"{w_name} must have shape (out_features, in_features) matching {source}, got {np.shape(w)}"
            )
        if np.shape(b) != (w.shape[0],):
            raise ValueError(f"{b_name} must have shape ({w.shape[0]},), got {np.shape(b)}")
        width, source = w.shape[0], f"the {w.shape[0]} outputs of {w_name}"
    return width


def gradient_sequence(theta0, grads):
    """``grads`` is a non-empty stack of gradients of ``theta0``'s shape: (steps, *theta0.shape)."""
    if np.ndim(grads) < 1 or len(grads) == 0 or np.shape(grads)[1:] != np.shape(theta0):
        raise ValueError(
            f"grads must have shape (steps, *theta0.shape) with steps >= 1 for theta0 of shape {np.shape(theta0)}, "
            f"got {np.shape(grads)}"
        )


def recurrent_layer(x, states, w_ih, w_hh, b_ih, b_hh, gates):
    """Check a batch-first sequence and one recurrent layer in PyTorch's layout.

    Parameters
    ----------
    x : ndarray, shape (N, T, input_size), T >= 1
    states : sequence of (name, array)
        Initial states (``h0``, and ``c0`` for an LSTM), each of shape (N, H).
    w_ih : ndarray, shape (gates * H, input_size)
    w_hh : ndarray, shape (gates * H, H)
        Fixes the hidden size H.
    b_ih, b_hh : ndarray, shape (gates * H,)
    gates : int
        Row blocks stacked in the weights: 1 (Elman RNN), 4 (LSTM), 3 (GRU).

    Returns
    -------
    (N, T, input_size, H) : tuple of int

    Raises
    ------
    ValueError
        Naming ``x`` when it is not 3-D or has no time step, ``w_hh`` when it is not
        (gates * H, H) with H >= 1, ``w_ih`` when it is not (gates * H, input_size)
        with x's input_size, ``b_ih`` or ``b_hh`` when not (gates * H,), a state
        when it is not (N, H).
    """
    if np.ndim(x) != 3:
        raise ValueError(f"x must have shape (N, T, input_size), batch first, got {np.shape(x)}")
    n, steps, features = x.shape
    if steps == 0:
        raise ValueError(f"x must have at least one time step, got T = 0 in shape {x.shape}")
    if np.ndim(w_hh) != 2 or w_hh.shape[1] < 1 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"w_hh must have shape ({gates} * H, H) with H >= 1, got {np.shape(w_hh)}")
    hidden = w_hh.shape[1]
    if np.shape(w_ih) != (gates * hidden, features):
        raise ValueError(
            f"w_ih must have shape ({gates * hidden}, {features}): {gates} * H rows for w_hh's H = {hidden}, "
            f"a column per input feature of x, got {np.shape(w_ih)}"
        )
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if np.shape(b) != (gates * hidden,):
            raise ValueError(f"{name} must have shape ({gates * hidden},) for H = {hidden}, got {np.shape(b)}")
    for name, state in states:
        if np.shape(state) != (n, hidden):
            raise ValueError(
                f"{name} must have shape ({n}, {hidden}): x's batch of {n} by w_hh's hidden size {hidden}, "
                f"got {np.shape(state)}"
            )
    return n, steps, features, hidden

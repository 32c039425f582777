"""The reference losses accept what torch.nn.functional accepts, with the same results.

Hypothesis draws shapes (empty ones included), reductions and every loss parameter, and
compares the reference's value and hand-derived gradient with torch.nn.functional and
torch's autograd in float64. Only torch is imported here, never TensorFlow.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import losses as ref
from reference import normalization

FAST = settings(max_examples=30, deadline=None)
REDUCTIONS = st.sampled_from(("none", "mean", "sum"))
SHAPES = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
SEEDS = st.integers(0, 2**32 - 1)


def assert_same(actual, expected, scale=1.0):
    """Same shape and values within float64 rounding of ``scale`` or the largest value; NaN where torch has NaN."""
    expected = expected.detach().numpy()
    assert np.shape(actual) == expected.shape
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(scale, finite.max()) if finite.size else scale
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12 * scale, equal_nan=True)


def check(forward, backward, torch_loss, inputs, params, wrt, torch_params=None, seed=0, grad_scale=1.0):
    """Compare the reference's loss and gradient w.r.t. ``wrt`` with torch's on the same inputs.

    ``grad_scale`` is the size of the gradient's terms where they can cancel to nearly 0.
    """
    out, cache = forward(**inputs, **params)
    dout = np.random.default_rng([seed, 1]).standard_normal(np.shape(out))  # not the inputs' stream
    tensors = {k: torch.tensor(v) for k, v in inputs.items()}
    tensors[wrt].requires_grad_(True)
    expected = torch_loss(*tensors.values(), **(params if torch_params is None else torch_params))
    assert_same(out, expected)
    (grad,) = torch.autograd.grad(expected, tensors[wrt], torch.tensor(dout), allow_unused=True)
    assert_same(backward(dout, cache), torch.zeros_like(tensors[wrt]) if grad is None else grad, grad_scale)


def pair(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal(shape)


@FAST
@given(seed=SEEDS, shape=SHAPES, reduction=REDUCTIONS, delta=st.floats(0.05, 4.0))
def test_huber_is_torch_huber_loss(seed, shape, reduction, delta):
    y_pred, y_true = pair(seed, shape)
    check(ref.huber_forward, ref.huber_backward, F.huber_loss, {"y_pred": y_pred, "y_true": y_true},
          {"delta": delta, "reduction": reduction}, "y_pred", seed=seed)


@FAST
@given(seed=SEEDS, shape=SHAPES, reduction=REDUCTIONS, beta=st.one_of(st.just(0.0), st.floats(0.05, 4.0)))
def test_smooth_l1_is_torch_smooth_l1_loss(seed, shape, reduction, beta):
    y_pred, y_true = pair(seed, shape)
    check(ref.smooth_l1_forward, ref.smooth_l1_backward, F.smooth_l1_loss, {"y_pred": y_pred, "y_true": y_true},
          {"beta": beta, "reduction": reduction}, "y_pred", seed=seed)


@FAST
@given(seed=SEEDS, shape=SHAPES, reduction=REDUCTIONS)
def test_mse_and_half_squared_error_are_torch_mse_loss(seed, shape, reduction):
    y_pred, y_true = pair(seed, shape)
    inputs = {"y_pred": y_pred, "y_true": y_true}
    check(ref.mse_forward, ref.mse_backward, F.mse_loss, inputs, {"reduction": reduction}, "y_pred", seed=seed)
    check(ref.half_squared_error_forward, ref.half_squared_error_backward,
          lambda a, b, reduction: 0.5 * F.mse_loss(a, b, reduction=reduction), inputs, {"reduction": reduction},
          "y_pred", seed=seed)


@FAST
@given(seed=SEEDS, shape=SHAPES, reduction=REDUCTIONS, weight_rank=st.integers(-1, 3), data=st.data())
def test_binary_cross_entropy_is_torch_with_any_broadcast_weight(seed, shape, reduction, weight_rank, data):
    rng = np.random.default_rng(seed)
    p, y = rng.uniform(0.02, 0.98, shape), rng.integers(0, 2, shape).astype(float)
    inputs, params = {"p": p, "y": y}, {"reduction": reduction}
    if 0 <= weight_rank <= len(shape):  # a trailing part of the shape, some sizes replaced by 1
        trailing = shape[len(shape) - weight_rank :]
        ones = data.draw(st.lists(st.booleans(), min_size=len(trailing), max_size=len(trailing)))
        inputs["weight"] = rng.uniform(0.5, 2.0, tuple(1 if one else n for one, n in zip(ones, trailing)))
    torch_loss = lambda p, y, weight=None, **kw: F.binary_cross_entropy(p, y, weight=weight, **kw)  # noqa: E731
    forward = lambda p, y, weight=None, **kw: ref.binary_cross_entropy_forward(p, y, weight=weight, **kw)  # noqa: E731
    check(forward, ref.binary_cross_entropy_backward, torch_loss, inputs, params, "p", seed=seed)
    z = 3 * rng.standard_normal(shape)
    check(ref.binary_cross_entropy_with_logits_forward, ref.binary_cross_entropy_with_logits_backward,
          F.binary_cross_entropy_with_logits, {"z": z, "y": y}, params, "z", seed=seed)


@FAST
@given(seed=SEEDS, shape=SHAPES, reduction=st.sampled_from(("none", "mean", "sum", "batchmean")),
       log_target=st.booleans(), zeros=st.booleans())
def test_kl_div_is_torch_kl_div(seed, shape, reduction, log_target, zeros):
    rng = np.random.default_rng(seed)
    log_q = np.log(rng.uniform(0.01, 1, shape))
    p = rng.uniform(0, 1, shape)
    if zeros:
        p[p < 0.3] = 0.0  # 0 log 0 = 0
    p = np.log(p + 0.01) if log_target else p
    check(ref.kl_div_forward, ref.kl_div_backward, F.kl_div, {"log_q": log_q, "p": p},
          {"reduction": reduction, "log_target": log_target}, "log_q", seed=seed)


@st.composite
def cross_entropy_arguments(draw):
    """torch-valid cross_entropy inputs: (C,), (N, C) or (N, C, d...) logits, indices or probabilities."""
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank)))
    axis = 0 if rank == 1 else 1
    n_classes = draw(st.integers(1, 4))
    shape = shape[:axis] + (n_classes,) + shape[axis + 1 :]
    logits = 2 * rng.standard_normal(shape)
    params = {"reduction": draw(REDUCTIONS), "label_smoothing": draw(st.sampled_from((0.0, 0.1, 0.5, 1.0)))}
    inputs = {"logits": logits}
    if draw(st.booleans()):  # probabilities of the logits' shape
        gamma = rng.gamma(1.0, size=shape) + 1e-3
        inputs["target"] = gamma / gamma.sum(axis=axis, keepdims=True)
    else:
        positions = shape[:axis] + shape[axis + 1 :]
        target = rng.integers(0, n_classes, positions)
        ignore_index = draw(st.sampled_from((-100, 0, n_classes - 1)))
        if draw(st.booleans()):
            target[rng.uniform(size=positions) < 0.3] = ignore_index
        inputs["target"], params["ignore_index"] = target, ignore_index
    if draw(st.booleans()):
        inputs["weight"] = rng.uniform(0.2, 3.0, n_classes)
    return inputs, params, seed


@FAST
@given(arguments=cross_entropy_arguments())
def test_cross_entropy_is_torch_cross_entropy_with_every_parameter(arguments):
    inputs, params, seed = arguments

    def torch_loss(logits, target, weight=None, **kw):
        return F.cross_entropy(logits, target, weight=weight, **kw)

    def forward(logits, target, weight=None, **kw):
        return ref.cross_entropy_forward(logits, target, weight=weight, **kw)

    check(forward, ref.cross_entropy_backward, torch_loss, inputs, params, "logits", seed=seed)


@FAST
@given(seed=SEEDS, shape=st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple), data=st.data(),
       eps=st.sampled_from((1e-12, 0.0, 0.5, 2.0)), scale=st.sampled_from((1e-8, 1.0, 10.0)))
def test_l2_normalize_is_torch_normalize(seed, shape, data, eps, scale):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = scale * np.random.default_rng(seed).standard_normal(shape)
    # The gradient (dout - out (dout . out)) / ||x|| cancels in terms of size 1 / ||x||: 1e8 for tiny vectors.
    grad_scale = max(1.0, 1 / max(scale, eps))
    check(normalization.l2_normalize_forward, normalization.l2_normalize_backward,
          lambda x, axis, eps: F.normalize(x, dim=axis, eps=eps), {"x": x}, {"axis": axis, "eps": eps}, "x", seed=seed,
          grad_scale=grad_scale)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "forward, torch_loss, shapes",
    [
        (ref.mse_forward, F.mse_loss, ((0,), (0,))),
        (ref.huber_forward, F.huber_loss, ((2, 0), (2, 0))),
        (ref.smooth_l1_forward, F.smooth_l1_loss, ((0, 3), (0, 3))),
        (ref.binary_cross_entropy_forward, F.binary_cross_entropy, ((0,), (0,))),
        (ref.binary_cross_entropy_with_logits_forward, F.binary_cross_entropy_with_logits, ((0, 2), (0, 2))),
        (ref.kl_div_forward, F.kl_div, ((0, 4), (0, 4))),
        (ref.cross_entropy_forward, F.cross_entropy, ((0, 3), (0,))),
        (ref.cross_entropy_forward, F.cross_entropy, ((2, 3, 0), (2, 3, 0))),
    ],
    ids=["mse", "huber", "smooth_l1", "bce", "bce-logits", "kl_div", "ce-indices", "ce-probabilities"],
)
def test_empty_inputs_give_torchs_nan_mean_zero_sum_and_empty_none(forward, torch_loss, shapes, reduction):
    first = np.zeros(shapes[0])
    second = np.zeros(shapes[1], dtype=np.int64 if torch_loss is F.cross_entropy and len(shapes[1]) == 1 else float)
    out, _ = forward(first, second, reduction=reduction)
    assert_same(out, torch_loss(torch.tensor(first), torch.tensor(second), reduction=reduction))
    assert out.dtype == np.float64

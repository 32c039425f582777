"""Cost family: reductions, gradients and edge values of the reference over every
sample, and the facts behind the cost entries of the divergence catalog."""

import math

import numpy as np
import pytest

from comparisons.harness import cast_inputs
from comparisons.registry import concept_rng, load_all, sample_rng
from reference import losses as ref
from reference import normalization

REGISTRY = load_all()
LOSSES = [c for c in REGISTRY.values() if c.family == "losses"]


def cases(dtypes=("float64",)):
    """(concept, sample, dtype) for every cost sample, as pytest params."""
    return [
        pytest.param(concept, sample, dtype, id=f"{concept.name}-{sample.name}-{dtype}")
        for concept in LOSSES
        for sample in concept.samples(concept_rng(0, concept.name))
        for dtype in dtypes
        if dtype in sample.dtypes
    ]


def draw(concept, sample, dtype):
    return cast_inputs(sample.draw(sample_rng(0, concept.name, sample.name)), dtype)


def loss_and_gradient(concept, inputs, reduction, dout=None, params=None):
    """The reference loss and its gradient for upstream ``dout`` (ones by default), other parameters from ``params``."""
    params = {k: v for k, v in (params or {}).items() if k != "reduction"}
    out, cache = concept.reference[0](**inputs, reduction=reduction, **params)
    dout = np.ones_like(out) if dout is None else dout
    return out, concept.reference[1](dout, cache)


@pytest.mark.parametrize("concept, sample, dtype", cases())
def test_sum_and_mean_reduce_the_elementwise_losses(concept, sample, dtype):
    inputs = draw(concept, sample, dtype)
    losses, dnone = loss_and_gradient(concept, inputs, "none", params=sample.params)
    total, dsum = loss_and_gradient(concept, inputs, "sum", params=sample.params)
    np.testing.assert_allclose(total, losses.sum(), rtol=1e-12)
    np.testing.assert_allclose(dsum, dnone, rtol=1e-12)
    denominator = mean_denominator(concept, inputs, sample.params, losses)
    if denominator:  # every position ignored: torch's mean is 0 / 0
        mean, dmean = loss_and_gradient(concept, inputs, "mean", params=sample.params)
        np.testing.assert_allclose(mean, losses.sum() / denominator, rtol=1e-12)
        np.testing.assert_allclose(dmean, dsum / denominator, rtol=1e-12)


def mean_denominator(concept, inputs, params, losses):
    """What torch's "mean" divides by: the number of losses, but for cross-entropy over class
    indices the summed class weights of the targets not ignored (torch's documented weighted mean)."""
    target = inputs.get("target")
    if concept.name != "cross_entropy" or not np.issubdtype(target.dtype, np.integer):
        return losses.size
    kept = target[target != params.get("ignore_index", -100)]
    return inputs["weight"][kept].sum() if "weight" in inputs else kept.size


@pytest.mark.parametrize("concept, sample, dtype", cases(dtypes=("float32", "float64")))
def test_reference_keeps_dtype_and_stays_finite(concept, sample, dtype):
    inputs = draw(concept, sample, dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, grad = loss_and_gradient(concept, inputs, sample.params.get("reduction", "mean"), params=sample.params)
    first = next(iter(inputs.values()))
    assert out.dtype == first.dtype and grad.dtype == first.dtype
    assert grad.shape == first.shape
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))


def test_half_squared_error_is_half_the_mse():
    rng = np.random.default_rng(3)
    y_pred, y_true = rng.standard_normal((2, 5))
    for reduction in ("none", "mean", "sum"):
        inputs = {"y_pred": y_pred, "y_true": y_true}
        mse, dmse = loss_and_gradient(REGISTRY["mse"], inputs, reduction)
        half, dhalf = loss_and_gradient(REGISTRY["half_squared_error"], inputs, reduction)
        np.testing.assert_allclose(half, mse / 2, rtol=1e-15)
        np.testing.assert_allclose(dhalf, dmse / 2, rtol=1e-15)


def test_two_class_cross_entropy_is_bce_with_logits():
    """softmax over logits (0, z) is (1 - sigma(z), sigma(z)): class 1 is the positive one."""
    z = np.array([-30.0, -2.0, 0.0, 0.7, 25.0])
    target = np.array([1, 0, 1, 1, 0])
    logits = np.stack([np.zeros_like(z), z], axis=1)
    ce, _ = ref.cross_entropy_forward(logits, target, reduction="none")
    bce, _ = ref.binary_cross_entropy_with_logits_forward(z, target.astype(float), reduction="none")
    np.testing.assert_allclose(ce, bce, rtol=1e-13)


def test_cross_entropy_of_uniform_logits_is_log_of_the_class_count():
    logits = np.zeros((3, 10))
    loss, _ = ref.cross_entropy_forward(logits, np.array([0, 4, 9]))
    assert loss == pytest.approx(math.log(10), rel=1e-15)


def test_bce_at_keras_clip_bound_is_minus_log_1e7():
    loss, _ = ref.binary_cross_entropy_forward(np.array([1e-7]), np.array([1.0]), reduction="sum")
    assert loss == pytest.approx(7 * math.log(10), rel=1e-12)  # 16.118


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ref.mse_forward(np.zeros(3), np.zeros(4)), ValueError, "same shape"),
        (lambda: ref.binary_cross_entropy_forward(np.full(2, 0.5), np.zeros(3)), ValueError, "same shape"),
        (lambda: ref.cross_entropy_forward(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, "integer class"),
        (lambda: ref.cross_entropy_forward(np.zeros((2, 3)), np.array([0, 3])), ValueError, r"\[0, 3\)"),
        (lambda: ref.mse_forward(np.zeros(2), np.zeros(2), reduction="avg"), ValueError, "reduction"),
    ],
    ids=["mse-shapes", "bce-shapes", "ce-float-targets", "ce-out-of-range", "bad-reduction"],
)
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# Facts of the installed frameworks that the catalog relies on.


def test_largest_clipped_losses():
    """bce-clipping: at p = 0, y = 1 Keras gives -log(1e-7) = 16.12 and torch 100."""
    import keras
    import torch
    p, y = np.array([0.0], dtype=np.float32), np.array([1.0], dtype=np.float32)
    assert float(keras.ops.binary_crossentropy(y, p)[0]) == pytest.approx(7 * math.log(10), rel=1e-5)
    torch_loss = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y))
    assert float(torch_loss) == 100.0
    # On the other side the float32 clip bound 1 - 1e-7 is 1 - 2**-23: the largest loss is 15.94.
    assert float(keras.ops.binary_crossentropy(1 - y, 1 - p)[0]) == pytest.approx(23 * math.log(2), rel=1e-5)


def test_keras_uses_the_logits_behind_its_own_sigmoid():
    """bce-clipping: a keras.ops.sigmoid output carries its logits, and Keras's binary
    cross-entropy silently uses them (no clipping), unlike a tf.math.sigmoid output."""
    import keras
    import tensorflow as tf
    z, y = tf.constant([-100.0]), tf.constant([1.0])
    through_keras = float(keras.ops.binary_crossentropy(y, keras.ops.sigmoid(z))[0])
    through_tf = float(keras.ops.binary_crossentropy(y, tf.math.sigmoid(z))[0])
    assert through_keras == pytest.approx(100.0, rel=1e-6)
    assert through_tf == pytest.approx(7 * math.log(10), rel=1e-5)


def test_tf_l2_loss_is_half_the_sum_of_squares():
    """mse-half: tf.nn.l2_loss is sum / 2, the reference's half_squared_error with "sum"."""
    import tensorflow as tf
    diff = np.array([0.5, -1.0, 2.0])
    expected, _ = ref.half_squared_error_forward(diff, np.zeros(3), reduction="sum")
    assert float(tf.nn.l2_loss(tf.constant(diff))) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx((0.25 + 1 + 4) / 2)


def test_keras_mse_averages_the_last_axis_only():
    """Why the TF implementation reduces element-wise losses itself."""
    import keras
    y_pred, y_true = np.array([[1.0, 3.0], [0.0, 0.0]]), np.zeros((2, 2))
    per_row = keras.losses.mean_squared_error(y_true, y_pred)
    np.testing.assert_allclose(np.asarray(per_row), [5.0, 0.0])


# Bad arguments of the parameters torch.nn.functional has: a ValueError naming the argument,
# and torch refuses the same call (except where the comment says why the reference is stricter).

X23, P23 = np.zeros((2, 3)), np.full((2, 3), 1 / 3)


def torch_call(name, *args, **kwargs):
    """A torch.nn.functional call on float64 tensors made from NumPy arrays, run when the test runs."""

    def call():
        import torch
        import torch.nn.functional as F

        return getattr(F, name)(*(torch.tensor(a) for a in args),
                                **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})

    return call


REFUSED = [
    ("huber-delta-0", lambda: ref.huber_forward(X23, X23, delta=0.0), "delta", torch_call("huber_loss", X23, X23, delta=0.0)),
    ("huber-delta-negative", lambda: ref.huber_forward(X23, X23, delta=-1.0), "delta",
     torch_call("huber_loss", X23, X23, delta=-1.0)),
    ("smooth-l1-beta-negative", lambda: ref.smooth_l1_forward(X23, X23, beta=-0.5), "beta",
     torch_call("smooth_l1_loss", X23, X23, beta=-0.5)),
    ("huber-reduction", lambda: ref.huber_forward(X23, X23, reduction="batchmean"), "reduction",
     torch_call("huber_loss", X23, X23, reduction="batchmean")),
    ("kl-reduction", lambda: ref.kl_div_forward(X23, P23, reduction="avg"), "reduction",
     torch_call("kl_div", X23, P23, reduction="avg")),
    ("ce-reduction", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), reduction="batchmean"), "reduction",
     torch_call("cross_entropy", X23, np.array([0, 1]), reduction="batchmean")),
    ("ce-label-smoothing-above-1", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), label_smoothing=1.1),
     "label_smoothing", torch_call("cross_entropy", X23, np.array([0, 1]), label_smoothing=1.1)),
    ("ce-weight-shape", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), weight=np.ones(2)), "weight",
     torch_call("cross_entropy", X23, np.array([0, 1]), weight=np.ones(2))),
    ("ce-weight-2d", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), weight=np.ones((1, 3))), "weight",
     torch_call("cross_entropy", X23, np.array([0, 1]), weight=np.ones((1, 3)))),
    ("ce-ignore-index-probabilities", lambda: ref.cross_entropy_forward(X23, P23, ignore_index=1), "ignore_index",
     torch_call("cross_entropy", X23, P23, ignore_index=1)),
    ("ce-integer-probabilities", lambda: ref.cross_entropy_forward(X23, np.zeros((2, 3), int)), "target",
     torch_call("cross_entropy", X23, np.zeros((2, 3), int))),
    ("ce-index-out-of-range-with-ignore", lambda: ref.cross_entropy_forward(X23, np.array([-100, 3])), "target",
     torch_call("cross_entropy", X23, np.array([-100, 3]))),
    ("ce-probabilities-shape", lambda: ref.cross_entropy_forward(X23, np.full((2, 4), 0.25)), "target",
     torch_call("cross_entropy", X23, np.full((2, 4), 0.25))),
    ("bce-weight-larger", lambda: ref.binary_cross_entropy_forward(np.full(2, 0.5), np.ones(2), weight=np.ones((2, 2))),
     "weight", torch_call("binary_cross_entropy", np.full(2, 0.5), np.ones(2), weight=np.ones((2, 2)))),
    ("bce-weight-mismatch", lambda: ref.binary_cross_entropy_forward(np.full(2, 0.5), np.ones(2), weight=np.ones(3)),
     "weight", torch_call("binary_cross_entropy", np.full(2, 0.5), np.ones(2), weight=np.ones(3))),
    ("l2-normalize-axis", lambda: normalization.l2_normalize_forward(X23, axis=2), "axis",
     torch_call("normalize", X23, dim=2)),
    # Stricter than torch, documented in docs/decisions.md: shapes that torch broadcasts with a warning
    # (the loss-broadcast trap), a negative label smoothing and a negative eps that torch 2.13 accepts.
    ("huber-shapes", lambda: ref.huber_forward(np.zeros((3, 1)), np.zeros(3)), "y_pred", None),
    ("kl-shapes", lambda: ref.kl_div_forward(np.zeros((3, 1)), np.zeros(3)), "log_q", None),
    ("ce-label-smoothing-negative", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), label_smoothing=-0.1),
     "label_smoothing", None),
    ("l2-normalize-eps-negative", lambda: normalization.l2_normalize_forward(X23, eps=-1.0), "eps", None),
    ("kl-log-target", lambda: ref.kl_div_forward(X23, P23, log_target="yes"), "log_target", None),
    ("ce-ignore-index-float", lambda: ref.cross_entropy_forward(X23, np.array([0, 1]), ignore_index=1.5),
     "ignore_index", None),
]


@pytest.mark.parametrize("call, argument, torch_refuses", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_bad_loss_parameters_are_value_errors_torch_refuses_too(call, argument, torch_refuses):
    with pytest.raises(ValueError, match=rf"^{argument}(?!\w)"):
        call()
    if torch_refuses is not None:
        with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)):
            torch_refuses()


def test_smooth_l1_is_huber_divided_by_beta():
    """huber-smooth-l1: torch's SmoothL1Loss(beta) = HuberLoss(delta=beta) / beta, value and gradient."""
    rng = np.random.default_rng(4)
    y_pred, y_true = 3 * rng.standard_normal((2, 6))
    for beta in (0.3, 1.0, 2.5):
        huber, dhuber = loss_and_gradient(REGISTRY["huber"], {"y_pred": y_pred, "y_true": y_true}, "none",
                                          params={"delta": beta})
        smooth, dsmooth = loss_and_gradient(REGISTRY["smooth_l1"], {"y_pred": y_pred, "y_true": y_true}, "none",
                                            params={"beta": beta})
        np.testing.assert_allclose(smooth, huber / beta, rtol=1e-14)
        np.testing.assert_allclose(dsmooth, dhuber / beta, rtol=1e-14)


def test_kl_div_batchmean_is_the_mean_kl_of_the_rows():
    """kl-div-arguments: 'batchmean' is sum_rows KL(p_row || q_row) / N; 'mean' divides by N * C as well."""
    p = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    q = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    rows = [sum(pi * math.log(pi / qi) for pi, qi in zip(pr, qr)) for pr, qr in zip(p, q)]
    batchmean, _ = ref.kl_div_forward(np.log(q), p, reduction="batchmean")
    mean, _ = ref.kl_div_forward(np.log(q), p, reduction="mean")
    assert batchmean == pytest.approx(sum(rows) / 2, rel=1e-14)
    assert mean == pytest.approx(sum(rows) / 6, rel=1e-14)


def test_label_smoothing_one_is_the_cross_entropy_against_the_uniform_distribution():
    logits = np.array([[2.0, -1.0, 0.5, 0.0]])
    smoothed, _ = ref.cross_entropy_forward(logits, np.array([1]), label_smoothing=1.0)
    uniform, _ = ref.cross_entropy_forward(logits, np.full((1, 4), 0.25))
    assert smoothed == pytest.approx(uniform, rel=1e-14)
    log_p = logits - np.log(np.exp(logits).sum())
    assert uniform == pytest.approx(-log_p.mean(), rel=1e-14)


def test_torch_mse_broadcasts_n_by_1_against_n_with_a_warning():
    """loss-broadcast: torch 2.13 still broadcasts (N, 1) against (N,) after a UserWarning."""
    import torch
    import torch.nn.functional as F

    with pytest.warns(UserWarning, match="target size"):
        loss = F.mse_loss(torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([1.0, 2.0, 3.0]))
    assert float(loss) == pytest.approx(12 / 9)


def cross_entropy_with_float32_smoothing(logits, target, *, label_smoothing=0.0, **params):
    """The planted rounding: label smoothing taken as a float32 number, about 1e-8 relative off."""
    return ref.cross_entropy_forward(logits, target, label_smoothing=float(np.float32(label_smoothing)), **params)


def test_paddles_float64_smoothing_tolerance_does_not_hide_a_bug_from_torch(registry, pool):
    """cross_entropy's looser float64 tolerance is Paddle's alone: numpy ~ torch keeps the tight one."""
    import dataclasses

    from comparisons import harness
    from comparisons.agreement import DISAGREE

    concept = registry["cross_entropy"]
    assert ("float64", "paddle") in concept.tolerance and "float64" not in concept.tolerance
    planted = dataclasses.replace(concept, divergences=(),
                                  reference=(cross_entropy_with_float32_smoothing, concept.reference[1]))
    records = harness.run_concept(planted, "float64", 0, pool, harness.RunConfig(frameworks=("torch",))).records
    smoothed = [r for r in records if r.quantity == "out" and r.sample == "label-smoothing"
                and (r.witness_a, r.witness_b) == ("numpy", "torch")]
    assert smoothed and {r.verdict for r in smoothed} == {DISAGREE}

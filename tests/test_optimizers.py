"""Optimiser family: properties of the NumPy step functions and the trajectory samples."""

import numpy as np
import pytest

from comparisons.concepts import optimizers as concepts
from reference import optimizers as ref

STEP_NAMES = sorted(ref.STEPS)


def _fed(name, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    theta0, grads = rng.standard_normal(3).astype(dtype), rng.standard_normal((concepts.STEPS, 3)).astype(dtype)
    return theta0, grads, ref.fed_trajectory(ref.STEPS[name], theta0, grads, **concepts.HYPER[name])["theta"]


@pytest.mark.parametrize("name", STEP_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trajectory_shape_and_dtype(name, dtype):
    theta0, grads, theta = _fed(name, dtype)
    assert theta.shape == grads.shape
    assert theta.dtype == dtype


@pytest.mark.parametrize("name", STEP_NAMES)
def test_step_does_not_modify_its_arguments(name):
    params, grads = [np.ones(3)], [np.full(3, 0.5)]
    state = {}
    ref.STEPS[name](params, grads, state, **concepts.HYPER[name])
    assert np.array_equal(params[0], np.ones(3)) and np.array_equal(grads[0], np.full(3, 0.5))
    assert state == {}


@pytest.mark.parametrize("name", [name for name in STEP_NAMES if name != "adamw"])  # AdamW decays: tested below
def test_zero_gradients_leave_plain_and_momentum_methods_still(name):
    theta0 = np.array([1.0, -2.0, 3.0])
    theta = ref.fed_trajectory(ref.STEPS[name], theta0, np.zeros((5, 3)), **concepts.HYPER[name])["theta"]
    assert np.allclose(theta, theta0)


def test_sgd_is_theta_minus_lr_times_cumulative_gradient():
    theta0, grads, theta = _fed("sgd")
    assert np.allclose(theta, theta0 - concepts.HYPER["sgd"]["lr"] * np.cumsum(grads, axis=0))


def test_momentum_equals_keras_velocity_form():
    """torch's b = mu b + g, theta -= lr b is Keras's v = mu v - lr g, theta += v for constant lr."""
    theta0, grads, theta = _fed("sgd_momentum")
    lr, mu = concepts.HYPER["sgd_momentum"]["lr"], concepts.HYPER["sgd_momentum"]["momentum"]
    v, keras_theta, rows = np.zeros(3), theta0, []
    for g in grads:
        v = mu * v - lr * g
        keras_theta = keras_theta + v
        rows.append(keras_theta)
    assert np.allclose(theta, rows, rtol=1e-12, atol=1e-14)


def test_first_adam_step_has_size_lr():
    """With bias correction and eps -> 0 the first Adam step is lr * sign(g) (Kingma & Ba, section 2.1)."""
    g = np.array([1e-3, -5.0, 2.0])
    hyper = concepts.HYPER["adam"]
    (theta,), _ = ref.adam_step([np.zeros(3)], [g], {}, **hyper)
    assert np.allclose(theta, -hyper["lr"] * np.sign(g))


def test_first_rmsprop_step_is_lr_over_sqrt_one_minus_alpha():
    g = np.array([0.3, -4.0])
    hyper = concepts.HYPER["rmsprop"]
    (theta,), _ = ref.rmsprop_step([np.zeros(2)], [g], {}, **hyper)
    assert np.allclose(theta, -hyper["lr"] * np.sign(g) / np.sqrt(1 - hyper["alpha"]))


def test_mlp_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    inputs = concepts.mlp_problem()(rng)
    params = [inputs[k] for k in ref.MLP_PARAMS]
    params[1] = rng.standard_normal(params[1].shape)  # a non-zero bias
    _, grads = ref.mlp_loss(params, inputs["x"], inputs["y"])
    h = 1e-6
    for i, p in enumerate(params):
        for j in range(p.size):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i].flat[j] += h
            minus[i].flat[j] -= h
            loss_plus = ref.mlp_loss(plus, inputs["x"], inputs["y"])[0]
            loss_minus = ref.mlp_loss(minus, inputs["x"], inputs["y"])[0]
            numeric = (loss_plus - loss_minus) / (2 * h)
            assert numeric == pytest.approx(grads[i].flat[j], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", STEP_NAMES)
def test_every_optimiser_descends_the_quadratic(name):
    problem = concepts.quadratic_problem()(np.random.default_rng(2))
    out, _ = ref.quadratic_descent(**problem, optimizer=name, steps=concepts.STEPS, hyper=concepts.HYPER[name])
    assert out["loss"][-1] < out["loss"][0]


@pytest.mark.parametrize("name", sorted(concepts.HYPER))
def test_hyper_parameters_are_exact_in_float32(name):
    """Keras casts hyper-parameters through float32: float64 runs need values exact there."""
    for key, value in concepts.HYPER[name].items():
        if key != "eps":
            assert float(np.float32(value)) == value, (name, key)


def test_keras_casts_python_hyper_parameters_through_float32():
    import keras
    assert float(keras.ops.convert_to_numpy(keras.ops.cast(0.9, "float64"))) != 0.9
    assert float(keras.ops.convert_to_numpy(keras.ops.cast(0.875, "float64"))) == 0.875


def test_unknown_optimiser_is_a_key_error():
    with pytest.raises(KeyError):
        ref.quadratic_descent(np.zeros(2), np.eye(2), np.ones(2), optimizer="lbfgs", steps=1, hyper={})


# AdamW, Adadelta, NAdam, clipping and schedules ----------------------------------------

ADAM_LIKE = {"lr": 0.1, "beta1": 0.875, "beta2": 0.5, "eps": 1e-8}


def test_adamw_with_zero_decay_is_adam():
    theta0, grads, _ = _fed("adam")
    adam, _ = ref.adam_trajectory(theta0, grads, **concepts.HYPER["adam"])
    adamw, _ = ref.adamw_trajectory(theta0, grads, **concepts.HYPER["adam"], weight_decay=0.0)
    assert np.array_equal(adam["theta"], adamw["theta"])


def test_adamw_decay_is_decoupled_and_scaled_by_lr():
    """Zero gradients: Adam's step is 0, and AdamW only shrinks theta by (1 - lr wd) per step."""
    theta0 = np.array([1.0, -2.0])
    out = ref.fed_trajectory(ref.adamw_step, theta0, np.zeros((3, 2)), **ADAM_LIKE, weight_decay=0.5)["theta"]
    assert np.allclose(out, theta0 * (1 - 0.1 * 0.5) ** np.arange(1, 4)[:, None], rtol=1e-15)


def test_adam_weight_decay_is_l2_in_the_gradient():
    """torch's Adam(weight_decay): the same as Adam fed g + wd * theta."""
    theta0, g = np.array([1.0, -2.0]), np.array([0.3, 0.1])
    (decayed,), _ = ref.adam_step([theta0], [g], {}, **ADAM_LIKE, weight_decay=0.5)
    (plain,), _ = ref.adam_step([theta0], [g + 0.5 * theta0], {}, **ADAM_LIKE)
    assert np.array_equal(decayed, plain)
    # L2 goes through Adam's normalisation: with zero gradient the first step is lr * sign(theta), not lr * wd * theta
    (only_decay,), _ = ref.adam_step([theta0], [np.zeros(2)], {}, **ADAM_LIKE, weight_decay=0.5)
    assert np.allclose(theta0 - only_decay, 0.1 * np.sign(theta0))


def test_first_adadelta_step_is_sqrt_eps_over_root_mean_square():
    """u starts at 0: delta_1 = sqrt(eps) / sqrt((1 - rho) g^2 + eps) * g (Zeiler's unit correction)."""
    g, rho, eps = np.array([2.0, -0.5]), 0.9, 1e-6
    (theta,), state = ref.adadelta_step([np.zeros(2)], [g], {}, lr=1.0, rho=rho, eps=eps)
    delta = np.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g
    assert np.allclose(theta, -delta, rtol=1e-14)
    assert np.allclose(state["acc_delta"][0], (1 - rho) * delta**2, rtol=1e-14)


def test_adadelta_lr_scales_every_step():
    theta0, grads, _ = _fed("adadelta")
    hyper = {k: v for k, v in concepts.HYPER["adadelta"].items() if k != "lr"}
    one = ref.fed_trajectory(ref.adadelta_step, theta0, grads, lr=1.0, **hyper)["theta"]
    half = ref.fed_trajectory(ref.adadelta_step, theta0, grads, lr=0.5, **hyper)["theta"]
    assert np.allclose(half - theta0, (one - theta0) / 2, rtol=1e-12)


def test_nadam_momentum_schedules():
    """0.004 is Dozat's slow warm-up from beta1 / 2; 1 is Keras's 0.96 ** t; inf is optax's constant beta1."""
    assert ref.nadam_momentum(1, beta1=0.9, momentum_decay=4e-3) == pytest.approx(0.9 * (1 - 0.5 * 0.96**0.004))
    assert ref.nadam_momentum(3, beta1=0.9, momentum_decay=1.0) == pytest.approx(0.9 * (1 - 0.5 * 0.96**3))
    assert ref.nadam_momentum(1, beta1=0.9, momentum_decay=float("inf")) == 0.9


def test_unscheduled_nadam_is_adam_with_a_nesterov_look_ahead():
    """momentum_decay = inf: theta -= lr (beta1 m_hat_{t+1} + (1 - beta1) g / (1 - beta1^t)) / (sqrt(v_hat) + eps)."""
    rng = np.random.default_rng(3)
    theta0, grads = rng.standard_normal(2), rng.standard_normal((4, 2))
    lr, b1, b2, eps = 0.1, 0.875, 0.5, 1e-8
    theta = ref.fed_trajectory(ref.nadam_step, theta0, grads, lr=lr, beta1=b1, beta2=b2, eps=eps,
                               momentum_decay=float("inf"))["theta"]
    m, v, p, rows = np.zeros(2), np.zeros(2), theta0, []
    for t, g in enumerate(grads, start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        look_ahead = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
        p = p - lr * look_ahead / (np.sqrt(v / (1 - b2**t)) + eps)
        rows.append(p)
    assert np.allclose(theta, rows, rtol=1e-13)


def test_clip_grad_norm_three_and_four():
    """One global norm 5: (0.6, 0.8) (torch); each clipped by its own norm would give (1, 1)."""
    clipped = ref.clip_grad_norm([np.array([3.0]), np.array([4.0])], max_norm=1.0)
    assert np.allclose(np.concatenate(clipped), [0.6, 0.8], rtol=1e-6)
    assert np.concatenate(clipped)[0] < 0.6  # torch's + 1e-6 on the norm shortens it slightly


def test_clip_grad_norm_leaves_small_gradients_and_keeps_dtype():
    grads = [np.array([0.3, -0.4], dtype=np.float32), np.zeros((2, 2), dtype=np.float32)]
    clipped = ref.clip_grad_norm(grads, max_norm=1.0)
    assert all(np.array_equal(a, b) and a.dtype == np.float32 for a, b in zip(clipped, grads))


def test_clip_grad_norm_gives_norm_max_norm():
    rng = np.random.default_rng(4)
    grads = [10 * rng.standard_normal((3, 2)), 10 * rng.standard_normal(4)]
    assert ref.global_norm(ref.clip_grad_norm(grads, max_norm=2.0)) == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_schedules_first_values_and_dtype(dtype):
    theta0, grads = np.zeros(2, dtype=dtype), np.ones((21, 2), dtype=dtype)
    step, _ = ref.lr_schedule_trajectory(theta0, grads, schedule="step", lr=1.0, step_size=10, gamma=0.5)
    assert np.array_equal(step["lr"][[0, 9, 10, 19, 20]], [1.0, 1.0, 0.5, 0.5, 0.25])
    assert step["lr"].dtype == dtype and step["theta"].dtype == dtype
    assert np.allclose(step["theta"][:, 0], -np.cumsum(step["lr"]))
    cosine, _ = ref.lr_schedule_trajectory(theta0, grads, schedule="cosine", lr=1.0, t_max=10, eta_min=0.1)
    assert cosine["lr"][0] == 1.0 and cosine["lr"][5] == pytest.approx(0.55) and cosine["lr"][10] == pytest.approx(0.1)
    assert cosine["lr"][20] == pytest.approx(1.0)  # torch's cosine climbs back after t_max (period 2 t_max)
    exponential, _ = ref.lr_schedule_trajectory(theta0, grads, schedule="exponential", lr=1.0, gamma=0.5)
    assert np.array_equal(exponential["lr"], 0.5 ** np.arange(21))


BAD_INPUTS = [
    ("lr", lambda: ref.adamw_step([np.ones(2)], [np.ones(2)], {}, **{**ADAM_LIKE, "lr": 0.0}, weight_decay=0.1)),
    ("lr", lambda: ref.adadelta_step([np.ones(2)], [np.ones(2)], {}, lr=-1.0, rho=0.9, eps=1e-6)),
    ("lr", lambda: ref.nadam_step([np.ones(2)], [np.ones(2)], {}, **{**ADAM_LIKE, "lr": -0.1})),
    ("lr", lambda: ref.lr_schedule_trajectory(np.ones(2), np.ones((3, 2)), schedule="step", lr=0.0, step_size=1,
                                              gamma=0.5)),
    ("rho", lambda: ref.adadelta_step([np.ones(2)], [np.ones(2)], {}, lr=1.0, rho=1.0, eps=1e-6)),
    ("rho", lambda: ref.adadelta_step([np.ones(2)], [np.ones(2)], {}, lr=1.0, rho=-0.1, eps=1e-6)),
    ("eps", lambda: ref.adadelta_step([np.ones(2)], [np.ones(2)], {}, lr=1.0, rho=0.9, eps=0.0)),
    ("weight_decay", lambda: ref.adamw_step([np.ones(2)], [np.ones(2)], {}, **ADAM_LIKE, weight_decay=-0.1)),
    ("beta1", lambda: ref.nadam_step([np.ones(2)], [np.ones(2)], {}, **{**ADAM_LIKE, "beta1": 1.0})),
    ("momentum_decay", lambda: ref.nadam_step([np.ones(2)], [np.ones(2)], {}, **ADAM_LIKE, momentum_decay=-1.0)),
    ("momentum_decay", lambda: ref.nadam_step([np.ones(2)], [np.ones(2)], {}, **ADAM_LIKE,
                                              momentum_decay=float("nan"))),
    ("max_norm", lambda: ref.clip_grad_norm([np.ones(2)], max_norm=0.0)),
    ("max_norm", lambda: ref.clip_grad_norm([np.ones(2)], max_norm=-1.0)),
    ("max_norm", lambda: ref.clip_grad_norm_trajectory(np.ones(2), np.ones(1), np.ones((3, 2)), np.ones((3, 1)),
                                                       lr=0.1, max_norm=0.0)),
    ("b_grads", lambda: ref.clip_grad_norm_trajectory(np.ones(2), np.ones(1), np.ones((3, 2)), np.ones((2, 1)),
                                                      lr=0.1, max_norm=1.0)),
    ("schedule", lambda: ref.lr_schedule_trajectory(np.ones(2), np.ones((3, 2)), schedule="linear", lr=0.1)),
    ("step_size", lambda: ref.step_lr(3, lr=0.1, step_size=0, gamma=0.5)),
    ("gamma", lambda: ref.exponential_lr(3, lr=0.1, gamma=0.0)),
    ("t_max", lambda: ref.cosine_lr(3, lr=0.1, t_max=0)),
    ("eta_min", lambda: ref.cosine_lr(3, lr=0.1, t_max=10, eta_min=-0.1)),
]


@pytest.mark.parametrize("name, call", BAD_INPUTS, ids=[f"{name}-{i}" for i, (name, _) in enumerate(BAD_INPUTS)])
def test_bad_hyper_parameters_raise_value_error_naming_them(name, call):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()

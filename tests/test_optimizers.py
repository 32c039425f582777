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


@pytest.mark.parametrize("name", STEP_NAMES)
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

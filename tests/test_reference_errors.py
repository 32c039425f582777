"""Impossible shapes and parameters make the reference raise a ValueError that names the argument.

Every case is (bad call, argument): the call must raise ``ValueError`` whose message starts
with the argument's name, never a NumPy broadcasting error, an IndexError, a silent wrong
answer or NaN. Convolution and pooling are checked in test_conv.py and test_pooling.py.
"""

import re

import numpy as np
import pytest
import torch

from comparisons.registry import DEFAULT_TOLERANCE
from reference import activations, broadcasting, deployment, init, layers, losses, networks, normalization
from reference import optimizers, regularization

RNG = np.random.default_rng(0)


def z(*shape, dtype=float):
    return np.zeros(shape, dtype=dtype)


def bn(x, channels=3, **params):
    """batch_norm_forward on x with valid (C,) vectors unless overridden by keyword."""
    vectors = {"gamma": np.ones(channels), "beta": z(channels), "running_mean": z(channels), "running_var": np.ones(channels)}
    vectors.update({k: params.pop(k) for k in list(params) if k in vectors})
    return layers.batch_norm_forward(x, **vectors, **params)


def xor(**changes):
    """xor_network_training_forward on valid XOR inputs with some replaced."""
    x, y = networks.xor_data()
    args = {"x": x, "y": y, "w1": np.ones((3, 2)), "b1": z(3), "w2": np.ones((1, 3)), "b2": z(1), "steps": 1, "lr": 1.0}
    args.update(changes)
    return networks.xor_network_training_forward(**args)


def three_layer(**changes):
    x, y = networks.binary_table()
    args = {"x": x, "y": y, "syn0": np.ones((3, 4)), "syn1": np.ones((4, 1)), "steps": 1, "lr": 1.0}
    args.update(changes)
    return networks.three_layer_network_training_forward(**args)


def logistic(**changes):
    args = {"X": np.ones((2, 5)), "Y": z(1, 5), "w": z(2, 1), "b": z(1, 1), "steps": 1, "lr": 0.5}
    args.update(changes)
    return networks.logistic_regression_training_forward(**args)


def digits(function=networks.digits_mlp_training_forward, **changes):
    """A digits MLP run (by default digits_mlp_training_forward) on a tiny 4-5-3 problem with some inputs replaced."""
    labels = np.array([0, 1, 2, 0, 1, 2])
    args = {
        "x_train": np.ones((6, 4)), "y_train": labels, "x_val": np.ones((2, 4)), "y_val": labels[:2],
        "x_test": np.ones((2, 4)), "y_test": labels[:2], "order": np.arange(6)[None, :],
        "w1": np.ones((5, 4)), "b1": z(5), "w2": np.ones((3, 5)), "b2": z(3), "lr": 0.1, "batch_size": 2,
    }
    args.update(changes)
    return function(**args)


def mlp_params(w2=None):
    return [np.ones((4, 3)), z(4), np.ones((1, 4)) if w2 is None else w2, z(1)]


def fed(step, **hyper):
    return optimizers.fed_trajectory(step, z(2), np.ones((3, 2)), **hyper)


ADAM = {"lr": 0.1, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}


def network(**changes):
    """dense_network_forward (two layers, by name) on valid 3-4-2 inputs with some replaced."""
    args = {"x": z(2, 3), "w1": z(4, 3), "b1": z(4), "w2": z(2, 4), "b2": z(2), "activations": ("relu", "softmax")}
    args.update(changes)
    return deployment.dense_network_forward(**args)

CASES = [
    # activations
    ("softmax-axis-too-large", lambda: activations.softmax_forward(z(2, 3), axis=2), "axis"),
    ("softmax-axis-too-negative", lambda: activations.softmax_forward(z(2, 3), axis=-3), "axis"),
    ("softmax-axis-not-int", lambda: activations.softmax_forward(z(2, 3), axis=1.0), "axis"),
    ("softmax-0d-axis-1", lambda: activations.softmax_forward(np.float64(1.0), axis=1), "axis"),
    ("log-softmax-0d-axis-not-int", lambda: activations.log_softmax_forward(np.float64(1.0), axis=0.0), "axis"),
    ("softmax-empty-axis-out-of-range", lambda: activations.softmax_forward(z(2, 0), axis=2), "axis"),
    ("softplus-beta-0", lambda: activations.softplus_forward(z(3), beta=0.0), "beta"),
    ("softplus-beta-inf", lambda: activations.softplus_forward(z(3), beta=np.inf), "beta"),
    ("softplus-beta-nan", lambda: activations.softplus_forward(z(3), beta=np.nan), "beta"),
    ("softplus-beta-string", lambda: activations.softplus_forward(z(3), beta="2"), "beta"),
    ("softplus-threshold-nan", lambda: activations.softplus_forward(z(3), threshold=np.nan), "threshold"),
    ("softplus-threshold-array", lambda: activations.softplus_forward(z(3), threshold=z(3)), "threshold"),
    ("log-softmax-axis", lambda: activations.log_softmax_forward(z(3), axis=1), "axis"),
    ("gelu-approximate", lambda: activations.gelu_forward(z(3), approximate="erf"), "approximate"),
    # broadcasting
    ("add-not-broadcastable", lambda: broadcasting.broadcast_add_forward(z(3), z(4)), "b"),
    ("mul-not-broadcastable", lambda: broadcasting.broadcast_mul_forward(z(2, 3), z(3, 2)), "b"),
    ("matmul-a-0d", lambda: broadcasting.matmul_forward(z(), z(5)), "a"),
    ("matmul-b-0d", lambda: broadcasting.matmul_forward(z(5), z()), "b"),
    ("matmul-vectors-inner", lambda: broadcasting.matmul_forward(z(5), z(4)), "b"),
    ("matmul-vector-matrix-inner", lambda: broadcasting.matmul_forward(z(5), z(2, 4, 3)), "b"),
    ("matmul-matrix-vector-inner", lambda: broadcasting.matmul_forward(z(2, 3, 4), z(3)), "b"),
    ("matmul-inner", lambda: broadcasting.matmul_forward(z(3, 4), z(5, 2)), "b"),
    ("matmul-batch-axes", lambda: broadcasting.matmul_forward(z(2, 3, 4), z(3, 4, 5)), "b"),
    ("unbroadcast-size", lambda: broadcasting.unbroadcast(z(3, 4), (2, 4)), "shape"),
    ("unbroadcast-more-axes", lambda: broadcasting.unbroadcast(z(4), (3, 4)), "shape"),
    # deployment
    ("predict-1d", lambda: deployment.predict(z(3)), "probabilities"),
    ("predict-no-classes", lambda: deployment.predict(z(3, 0)), "probabilities"),
    ("network-too-few-activations", lambda: network(activations=("relu",)), "activations"),
    ("network-too-many-activations", lambda: network(activations=("relu", "relu", "softmax")), "activations"),
    ("network-unknown-activation", lambda: network(activations=("tanh", "softmax")), "activations"),
    ("network-x-1d", lambda: network(x=z(3)), "x"),
    ("network-w1", lambda: network(w1=z(4, 5)), "w1"),
    ("network-b1", lambda: network(b1=z(3)), "b1"),
    ("network-w2", lambda: network(w2=z(2, 5)), "w2"),
    ("network-b2", lambda: network(b2=z(4)), "b2"),
    # init
    ("fans-1d", lambda: init.fans((5,)), "shape"),
    ("fans-zero-size", lambda: init.fans((4, 0)), "shape"),
    ("fans-negative-size", lambda: init.fans((4, -2, 3)), "shape"),
    ("intended-scheme", lambda: init.intended("xavier", 3, 4), "scheme"),
    ("intended-fan-in", lambda: init.intended("he_normal", 0, 4), "fan_in"),
    ("intended-fan-out", lambda: init.intended("glorot_uniform", 3, -1), "fan_out"),
    ("describe-empty", lambda: init.describe(z(0), "he_normal", 3, 4), "w"),
    ("describe-fan-in", lambda: init.describe(np.ones(4), "he_normal", 0, 4), "fan_in"),
    ("init-like-int", lambda: init.init_forward(z(0, dtype=int), scheme="he_normal", shape=(4, 3), seed=0), "like"),
    ("init-seed", lambda: init.init_forward(z(0), scheme="he_normal", shape=(4, 3), seed=-1), "seed"),
    ("init-shape", lambda: init.init_forward(z(0), scheme="he_normal", shape=(4, 0), seed=0), "shape"),
    ("init-scheme", lambda: init.init_forward(z(0), scheme="nope", shape=(4, 3), seed=0), "scheme"),
    # layers
    ("linear-x-0d", lambda: layers.linear_forward(z(), z(2, 1), z(2)), "x"),
    ("linear-x-1d-inner", lambda: layers.linear_forward(z(3), z(2, 4), z(2)), "w"),
    ("linear-b-enlarges-output", lambda: layers.linear_forward(z(3, 4), z(2, 4), z(7, 3, 2)), "b"),
    ("linear-b-rows", lambda: layers.linear_forward(z(5, 3, 4), z(2, 4), z(2, 1)), "b"),
    ("linear-w-inner", lambda: layers.linear_forward(z(4, 3), z(2, 5), z(2)), "w"),
    ("linear-w-1d", lambda: layers.linear_forward(z(4, 3), z(3), z(2)), "w"),
    ("linear-b", lambda: layers.linear_forward(z(4, 3), z(2, 3), z(3)), "b"),
    ("bn-1d", lambda: bn(z(3)), "x"),
    ("bn-sequence-gamma", lambda: bn(z(2, 3, 4), gamma=np.ones(4)), "gamma"),
    ("bn-sequence-one-value-per-channel", lambda: bn(z(1, 3, 1)), "x"),
    ("bn-no-channels", lambda: bn(z(4, 0), channels=0), "x"),
    ("bn-one-value-per-channel", lambda: bn(z(1, 3)), "x"),
    ("bn-one-pixel-per-channel", lambda: bn(z(1, 3, 1, 1)), "x"),
    ("bn-gamma", lambda: bn(z(4, 3), gamma=np.ones(2)), "gamma"),
    ("bn-beta", lambda: bn(z(4, 3), beta=z(3, 1)), "beta"),
    ("bn-running-mean", lambda: bn(z(4, 3), running_mean=z(4)), "running_mean"),
    ("bn-running-var-shape", lambda: bn(z(4, 3), running_var=np.ones(1)), "running_var"),
    ("bn-running-var-negative", lambda: bn(z(4, 3), running_var=np.array([1.0, -1.0, 1.0]), training=False),
     "running_var"),
    ("bn-momentum-nan", lambda: bn(z(4, 3), momentum=float("nan")), "momentum"),
    ("bn-momentum-inf", lambda: bn(z(4, 3), momentum=float("inf")), "momentum"),
    ("bn-momentum-none", lambda: bn(z(4, 3), momentum=None), "momentum"),
    ("bn-eps-zero", lambda: bn(z(4, 3), eps=0.0), "eps"),
    ("bn-eps-negative-eval", lambda: bn(z(4, 3), eps=-1e-5, training=False), "eps"),
    ("dropout-p-1", lambda: layers.dropout_forward(z(3), np.ones(3), p=1.0), "p"),
    ("dropout-p-negative", lambda: layers.dropout_forward(z(3), np.ones(3), p=-0.1), "p"),
    ("dropout-p-nan", lambda: layers.dropout_forward(z(3), np.ones(3), p=float("nan")), "p"),
    ("dropout-mask", lambda: layers.dropout_forward(z(4, 5), np.ones(3), p=0.5), "mask"),
    # losses
    ("mse-shapes", lambda: losses.mse_forward(z(3), z(3, 1)), "y_pred"),
    ("half-se-shapes", lambda: losses.half_squared_error_forward(z(2, 3), z(3)), "y_pred"),
    ("bce-shapes", lambda: losses.binary_cross_entropy_forward(np.full(2, 0.5), z(3)), "p"),
    ("bce-logits-shapes", lambda: losses.binary_cross_entropy_with_logits_forward(z(4, 1), z(4)), "z"),
    ("loss-reduction", lambda: losses.mse_forward(z(2), z(2), reduction="avg"), "reduction"),
    ("ce-scalar-logits", lambda: losses.cross_entropy_forward(z(), np.array(0)), "logits"),
    ("ce-no-classes", lambda: losses.cross_entropy_forward(z(2, 0), np.array([0, 0])), "logits"),
    ("ce-target-shape", lambda: losses.cross_entropy_forward(z(2, 3), np.array([0, 1, 2])), "target"),
    ("ce-target-shape-spatial", lambda: losses.cross_entropy_forward(z(2, 3, 4), np.zeros((2, 3), int)), "target"),
    ("ce-target-too-large", lambda: losses.cross_entropy_forward(z(2, 3), np.array([0, 3])), "target"),
    ("ce-target-negative", lambda: losses.cross_entropy_forward(z(2, 3), np.array([0, -1])), "target"),
    # networks: data and initial weights
    ("digits-seed", lambda: networks.digits_data(seed=-1), "seed"),
    ("digits-validation-zero", lambda: networks.digits_data(validation=0.0), "validation"),
    ("digits-test-one", lambda: networks.digits_data(test=1.0), "test"),
    ("digits-no-training-set", lambda: networks.digits_data(validation=0.5, test=0.5), "validation"),
    ("uniform-init-negative", lambda: networks.uniform_init(RNG, 3, -1), "shape[1]"),
    ("linear-init-n-in", lambda: networks.linear_init(RNG, 2, 0), "n_in"),
    ("linear-init-n-out", lambda: networks.linear_init(RNG, -1, 3), "n_out"),
    ("batch-order-epochs", lambda: networks.batch_order(RNG, 0, 5), "epochs"),
    ("batch-order-n", lambda: networks.batch_order(RNG, 2, -1), "n"),
    ("digits-inputs-hidden", lambda: networks.digits_mlp_inputs(RNG, {"y_train": z(6)}, hidden=0), "hidden"),
    ("digits-inputs-epochs", lambda: networks.digits_mlp_inputs(RNG, {"y_train": z(6)}, epochs=0), "epochs"),
    ("trained-three-layer-seed", lambda: networks.trained_three_layer_network(seed=-1), "seed"),
    ("trained-three-layer-hidden", lambda: networks.trained_three_layer_network(hidden=0), "hidden"),
    ("trained-three-layer-steps", lambda: networks.trained_three_layer_network(steps=-1), "steps"),
    ("trained-digits-seed", lambda: networks.trained_digits_mlp(seed=-1), "seed"),
    # networks: training runs
    ("three-layer-x", lambda: three_layer(x=z(4)), "x"),
    ("three-layer-syn0", lambda: three_layer(syn0=np.ones((2, 4))), "syn0"),
    ("three-layer-syn1", lambda: three_layer(syn1=np.ones((3, 1))), "syn1"),
    ("three-layer-y", lambda: three_layer(y=z(4)), "y"),
    ("three-layer-steps", lambda: three_layer(steps=-1), "steps"),
    ("three-layer-zero-steps", lambda: three_layer(steps=0), "steps"),
    ("logistic-zero-steps", lambda: logistic(steps=0), "steps"),
    ("three-layer-lr", lambda: three_layer(lr=0.0), "lr"),
    ("train-three-layer-lr",
     lambda: networks.train_three_layer_network(*networks.binary_table(), np.ones((3, 4)), np.ones((4, 1)), steps=1,
                                                lr=-1.0), "lr"),
    ("logistic-X", lambda: logistic(X=z(5)), "X"),
    ("logistic-Y-column", lambda: logistic(Y=z(5, 1)), "Y"),
    ("logistic-w", lambda: logistic(w=z(3, 1)), "w"),
    ("logistic-b", lambda: logistic(b=z(2)), "b"),
    ("logistic-steps", lambda: logistic(steps=1.5), "steps"),
    ("logistic-lr", lambda: logistic(lr=-0.5), "lr"),
    ("train-logistic-lr",
     lambda: networks.train_logistic_regression(np.ones((2, 5)), z(1, 5), z(2, 1), z(1, 1), steps=1, lr=0), "lr"),
    ("xor-w1", lambda: xor(w1=np.ones((3, 3))), "w1"),
    ("xor-b1", lambda: xor(b1=z(2)), "b1"),
    ("xor-w2", lambda: xor(w2=np.ones((1, 2))), "w2"),
    ("xor-b2", lambda: xor(b2=z(2)), "b2"),
    ("xor-y", lambda: xor(y=z(4)), "y"),
    ("xor-lr", lambda: xor(lr=0.0), "lr"),
    ("train-xor-steps",
     lambda: networks.train_xor_network(*networks.xor_data(), np.ones((3, 2)), z(3), np.ones((1, 3)), z(1), steps=-2,
                                        lr=1.0), "steps"),
    ("mlp-logits-w2", lambda: networks.mlp_logits(z(2, 4), np.ones((5, 4)), z(5), np.ones((3, 4)), z(3)), "w2"),
    ("digits-x-train", lambda: digits(x_train=np.ones(6)), "x_train"),
    ("digits-w1", lambda: digits(w1=np.ones((5, 3))), "w1"),
    ("digits-w2", lambda: digits(w2=np.ones((3, 4))), "w2"),
    ("digits-y-train-range", lambda: digits(y_train=np.array([0, 1, 2, 3, 1, 2])), "y_train"),
    ("digits-y-train-negative", lambda: digits(y_train=np.array([0, 1, 2, -1, 1, 2])), "y_train"),
    ("digits-y-train-shape", lambda: digits(y_train=np.array([0, 1, 2])), "y_train"),
    ("digits-x-val", lambda: digits(x_val=np.ones((2, 5))), "x_val"),
    ("digits-y-val-range", lambda: digits(y_val=np.array([0, 7])), "y_val"),
    ("digits-y-test-shape", lambda: digits(y_test=np.array([[0, 1]])), "y_test"),
    ("digits-order-range", lambda: digits(order=np.array([[0, 1, 2, 3, 4, 6]])), "order"),
    ("digits-order-1d", lambda: digits(order=np.arange(6)), "order"),
    ("digits-lr", lambda: digits(lr=0.0), "lr"),
    ("digits-batch-size", lambda: digits(batch_size=0), "batch_size"),
    ("train-digits-batch-size", lambda: digits(networks.train_digits_mlp, batch_size=-3), "batch_size"),
    # normalization
    ("min-max-axis", lambda: normalization.min_max_normalize_forward(z(3, 2), axis=2), "axis"),
    ("min-max-empty", lambda: normalization.min_max_normalize_forward(z(0, 3)), "x"),
    ("standardize-axis", lambda: normalization.standardize_forward(z(3, 2), axis=-3), "axis"),
    ("standardize-empty", lambda: normalization.standardize_forward(z(2, 0), axis=1), "x"),
    # optimizers: steps
    ("sgd-grads-count", lambda: optimizers.sgd_step([z(2)], [], {}, lr=0.1), "grads"),
    ("sgd-grads-shape", lambda: optimizers.sgd_step([z(2)], [z(3)], {}, lr=0.1), "grads[0]"),
    ("sgd-lr-zero", lambda: optimizers.sgd_step([z(2)], [z(2)], {}, lr=0.0), "lr"),
    ("sgd-lr-negative", lambda: optimizers.sgd_step([z(2)], [z(2)], {}, lr=-0.1), "lr"),
    ("sgd-lr-nan", lambda: optimizers.sgd_step([z(2)], [z(2)], {}, lr=float("nan")), "lr"),
    ("sgd-lr-array", lambda: optimizers.sgd_step([z(2)], [z(2)], {}, lr=np.ones(2)), "lr"),
    ("momentum-negative", lambda: optimizers.sgd_momentum_step([z(2)], [z(2)], {}, lr=0.1, momentum=-0.1), "momentum"),
    ("momentum-one", lambda: optimizers.sgd_momentum_step([z(2)], [z(2)], {}, lr=0.1, momentum=1.0), "momentum"),
    ("nesterov-momentum", lambda: optimizers.nesterov_step([z(2)], [z(2)], {}, lr=0.1, momentum=1.5), "momentum"),
    ("adagrad-eps", lambda: optimizers.adagrad_step([z(2)], [z(2)], {}, lr=0.1, eps=0.0), "eps"),
    ("adagrad-initial",
     lambda: optimizers.adagrad_step([z(2)], [z(2)], {}, lr=0.1, eps=1e-10, initial_accumulator_value=-1.0),
     "initial_accumulator_value"),
    ("rmsprop-alpha", lambda: optimizers.rmsprop_step([z(2)], [z(2)], {}, lr=0.1, alpha=1.0, eps=1e-8), "alpha"),
    ("rmsprop-eps", lambda: optimizers.rmsprop_step([z(2)], [z(2)], {}, lr=0.1, alpha=0.9, eps=-1e-8), "eps"),
    ("adam-lr", lambda: optimizers.adam_step([z(2)], [z(2)], {}, **{**ADAM, "lr": 0}), "lr"),
    ("adam-beta1", lambda: optimizers.adam_step([z(2)], [z(2)], {}, **{**ADAM, "beta1": 1.0}), "beta1"),
    ("adam-beta2", lambda: optimizers.adam_step([z(2)], [z(2)], {}, **{**ADAM, "beta2": -0.5}), "beta2"),
    ("adam-eps", lambda: optimizers.adam_step([z(2)], [z(2)], {}, **{**ADAM, "eps": 0.0}), "eps"),
    ("adam-grads-shape", lambda: optimizers.adam_step([z(2), z(3)], [z(2), z(2)], {}, **ADAM), "grads[1]"),
    # optimizers: trajectories and driven runs
    ("fed-grads-shape", lambda: optimizers.fed_trajectory(optimizers.sgd_step, z(2), np.ones((3, 3)), lr=0.1), "grads"),
    ("fed-grads-empty", lambda: optimizers.fed_trajectory(optimizers.sgd_step, z(2), z(0, 2), lr=0.1), "grads"),
    ("fed-grads-one-step-unstacked",
     lambda: optimizers.fed_trajectory(optimizers.sgd_step, z(2, 3), np.ones((2, 3)), lr=0.1), "grads"),
    ("sgd-trajectory-lr", lambda: optimizers.sgd_trajectory(z(2), np.ones((3, 2)), lr=-1.0), "lr"),
    ("momentum-trajectory", lambda: optimizers.sgd_momentum_trajectory(z(2), np.ones((3, 2)), lr=0.1, momentum=2.0),
     "momentum"),
    ("nesterov-trajectory", lambda: optimizers.nesterov_trajectory(z(2), np.ones((3, 2)), lr=0.1, momentum=-1.0),
     "momentum"),
    ("adagrad-trajectory", lambda: optimizers.adagrad_trajectory(z(2), np.ones((3, 2)), lr=0.1, eps=0.0), "eps"),
    ("rmsprop-trajectory",
     lambda: optimizers.rmsprop_trajectory(z(2), np.ones((3, 2)), lr=0.1, alpha=1.5, eps=1e-8), "alpha"),
    ("adam-trajectory", lambda: optimizers.adam_trajectory(z(2), np.ones((3, 2)), **{**ADAM, "beta2": 1.0}), "beta2"),
    ("fed-hyper", lambda: fed(optimizers.adam_step, **{**ADAM, "eps": -1.0}), "eps"),
    ("quadratic-loss-theta", lambda: optimizers.quadratic_loss(z(2, 1), np.eye(2), z(2)), "theta"),
    ("quadratic-loss-a", lambda: optimizers.quadratic_loss(z(3), np.eye(2), z(3)), "a"),
    ("quadratic-loss-b", lambda: optimizers.quadratic_loss(z(2), np.eye(2), z(3)), "b"),
    ("quadratic-descent-b",
     lambda: optimizers.quadratic_descent(z(2), np.eye(2), z(3), optimizer="sgd", steps=1, hyper={"lr": 0.1}), "b"),
    ("quadratic-descent-steps",
     lambda: optimizers.quadratic_descent(z(2), np.eye(2), z(2), optimizer="sgd", steps=0, hyper={"lr": 0.1}), "steps"),
    ("quadratic-descent-lr",
     lambda: optimizers.quadratic_descent(z(2), np.eye(2), z(2), optimizer="sgd", steps=1, hyper={"lr": 0.0}), "lr"),
    ("mlp-loss-params", lambda: optimizers.mlp_loss(mlp_params()[:3], z(5, 3), z(5, 1)), "params"),
    ("mlp-loss-x", lambda: optimizers.mlp_loss(mlp_params(), z(5), z(5, 1)), "x"),
    ("mlp-loss-w2", lambda: optimizers.mlp_loss(mlp_params(np.ones((1, 3))), z(5, 3), z(5, 1)), "w2"),
    ("mlp-loss-y", lambda: optimizers.mlp_loss(mlp_params(), z(5, 3), z(5)), "y"),
    ("mlp-descent-steps",
     lambda: optimizers.mlp_descent(z(5, 3), z(5, 1), *mlp_params(), optimizer="sgd", steps=-1, hyper={"lr": 0.1}),
     "steps"),
    ("mlp-descent-y",
     lambda: optimizers.mlp_descent(z(5, 3), z(5, 2), *mlp_params(), optimizer="sgd", steps=1, hyper={"lr": 0.1}),
     "y"),
    ("mlp-descent-hyper",
     lambda: optimizers.mlp_descent(z(5, 3), z(5, 1), *mlp_params(), optimizer="rmsprop", steps=1,
                                    hyper={"lr": 0.1, "alpha": 0.9, "eps": 0.0}), "eps"),
    # regularization
    ("l2-lam", lambda: regularization.l2_penalty_forward(np.ones(3), lam=-0.1), "lam"),
    ("weight-decay-grads", lambda: regularization.sgd_weight_decay_trajectory(z(2), z(3), lr=0.1, weight_decay=0.1),
     "grads"),
    ("weight-decay-lr", lambda: regularization.sgd_weight_decay_trajectory(z(2), z(3, 2), lr=0.0, weight_decay=0.1),
     "lr"),
    ("weight-decay-negative",
     lambda: regularization.sgd_weight_decay_trajectory(z(2), z(3, 2), lr=0.1, weight_decay=-0.1), "weight_decay"),
]


@pytest.mark.parametrize("call, argument", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_impossible_input_is_a_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{re.escape(argument)}(?!\w)"):
        call()


def test_cross_entropy_float_targets_stay_a_type_error():
    with pytest.raises(TypeError, match="^target"):
        losses.cross_entropy_forward(z(2, 3), np.array([0.0, 1.0]))


def test_digits_float_labels_are_a_type_error():
    with pytest.raises(TypeError, match="^y_train"):
        digits(y_train=np.array([0.0, 1, 2, 0, 1, 2]))


# The edges of every range are still accepted, and give the right numbers: torch's where
# torch accepts the same input, else a value derived by hand (each says how).

FLOAT64 = DEFAULT_TOLERANCE["float64"]
X43 = np.random.default_rng(1).standard_normal((4, 3))


def close(actual, expected):
    """Same shape, and equal within the float64 tolerance of the comparisons."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=FLOAT64.rtol, atol=FLOAT64.atol)


def tensor(array, requires_grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def torch_batch_norm(x, *, momentum, training):
    """torch's batch_norm with the same (C,) vectors as :func:`bn`: output and updated running statistics."""
    channels = x.shape[1]
    running_mean, running_var = tensor(z(channels)), tensor(np.ones(channels))
    out = torch.nn.functional.batch_norm(
        tensor(x), running_mean, running_var, tensor(np.ones(channels)), tensor(z(channels)),
        training=training, momentum=momentum, eps=1e-5,
    )
    return {"out": out.numpy(), "running_mean": running_mean.numpy(), "running_var": running_var.numpy()}


def check_batch_norm(x, momentum, training):
    def check(result):
        outputs, _ = result
        expected = torch_batch_norm(x, momentum=momentum, training=training)
        for name in ("out", "running_mean", "running_var"):
            close(outputs[name], expected[name])

    return check


def torch_steps(optimizer, theta0, grads, **hyper):
    """theta after each step of a torch.optim optimiser fed ``grads``, shape (steps, ...)."""
    theta = tensor(theta0, requires_grad=True)
    step = optimizer([theta], **hyper)
    rows = []
    for g in grads:
        theta.grad = tensor(g)
        step.step()
        rows.append(theta.detach().numpy().copy())
    return np.stack(rows)


def check_one_step(optimizer, **hyper):
    """A step from theta = 0 with gradient 1 gives what one step of the torch optimiser gives."""
    def check(result):
        params, _ = result
        (theta,) = params
        assert theta.dtype == np.float64
        close(theta, torch_steps(optimizer, z(2), [np.ones(2)], **hyper)[0])

    return check


def check_dropout_p_0(result):
    out, _ = result
    x = np.arange(1.0, 4.0)
    close(out, torch.nn.functional.dropout(tensor(x), p=0.0, training=True).numpy())


BROADCAST_MASK = (np.arange(7 * 4 * 5).reshape(7, 4, 5) % 3 != 0).astype(float)
CHANNEL_MASK = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])[:, :, None, None]
IMAGE = np.arange(2 * 3 * 4 * 4, dtype=float).reshape(2, 3, 4, 4)


def check_broadcast_masks(result):
    # By hand (torch's dropout draws its own mask): each of the 7 masks applies to the
    # whole (4, 5) input; a kept unit is scaled by 1 / (1 - p) = 2, a dropped one is 0.
    out, _ = result
    x = np.arange(20.0).reshape(4, 5)
    expected = np.stack([[[2 * x[i, j] if m[i, j] else 0.0 for j in range(5)] for i in range(4)] for m in BROADCAST_MASK])
    close(out, expected)


def check_channel_mask(result):
    # By hand (torch's dropout2d draws its own mask): mask[n, c] keeps or drops the whole
    # 4 x 4 plane of channel c of image n; kept planes are scaled by 1 / (1 - p) = 2.
    out, _ = result
    expected = np.zeros_like(IMAGE)
    for n in range(2):
        for c in range(3):
            if CHANNEL_MASK[n, c, 0, 0]:
                expected[n, c] = 2 * IMAGE[n, c]
    close(out, expected)


def check_nesterov_momentum_0(result):
    # By hand (torch.optim.SGD refuses nesterov=True with momentum 0): the Nesterov step
    # theta - lr * (g + momentum * b) with momentum 0 is theta - lr * g = 0 - 0.1 * 1.
    params, state = result
    close(params[0], np.full(2, -0.1))
    close(state["momentum_buffer"][0], np.ones(2))  # b = g on the first step


def check_momentum_0(result):
    check_one_step(torch.optim.SGD, lr=0.1, momentum=0)(result)
    close(result[1]["momentum_buffer"][0], np.ones(2))  # b = g on the first step, whatever the momentum


def check_l2_lam_0(result):
    # By hand: lam / 2 * sum(w**2) with lam = 0 is 0, and so is its gradient lam * w.
    out, cache = result
    close(out, 0.0)
    close(regularization.l2_penalty_backward(1.0, cache), z(3))


def check_weight_decay_0(result):
    outputs, _ = result
    close(outputs["theta"], torch_steps(torch.optim.SGD, z(2), z(3, 2), lr=0.1, weight_decay=0.0))


def check_logistic_scalar_b(result):
    # One gradient step of torch's binary cross-entropy with logits on the same data,
    # the bias a 0-d tensor like the float given; the reference returns b as (1, 1).
    outputs, _ = result
    X, Y, w, b = tensor(np.ones((2, 5))), tensor(z(1, 5)), tensor(z(2, 1), True), tensor(0.0, True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(w.T @ X + b, Y)
    loss.backward()
    w_new, b_new = (w - 0.5 * w.grad).detach(), (b - 0.5 * b.grad).detach()
    close(outputs["loss"], [loss.item()])
    close(outputs["w"], w_new.numpy())
    close(outputs["b"], b_new.numpy().reshape(1, 1))
    close(outputs["accuracy"], ((w_new.T @ X + b_new > 0) == (Y == 1)).double().mean().numpy())


def check_softmax_int_axis(result):
    out, _ = result
    close(out, torch.softmax(tensor(np.ones((2, 3))), dim=0).numpy())  # 1/2 down each column, not 1/3


def check_softmax_empty_batch(result):
    out, _ = result
    assert out.dtype == np.float64
    close(out, torch.softmax(tensor(z(0, 3)), dim=-1).numpy())


def check_ce_empty_sum(result):
    loss, _ = result
    expected = torch.nn.functional.cross_entropy(tensor(z(0, 3)), torch.zeros(0, dtype=torch.long), reduction="sum")
    close(loss, expected.numpy())


def check_mse_empty_none(result):
    loss, _ = result
    close(loss, torch.nn.functional.mse_loss(tensor(z(0)), tensor(z(0)), reduction="none").numpy())


def check_unbroadcast_scalar(result):
    # torch's autograd un-broadcasts too: the gradient of a 0-d operand added to a (2, 3) array
    scalar = tensor(0.0, requires_grad=True)
    (scalar + tensor(z(2, 3))).backward(tensor(np.ones((2, 3))))
    close(result, scalar.grad.numpy())


ACCEPTED = [
    ("dropout-p-0", lambda: layers.dropout_forward(np.arange(1.0, 4.0), np.ones(3), p=0.0), check_dropout_p_0),
    ("dropout-broadcast-masks", lambda: layers.dropout_forward(np.arange(20.0).reshape(4, 5), BROADCAST_MASK, p=0.5),
     check_broadcast_masks),
    ("dropout-channel-mask", lambda: layers.dropout_forward(IMAGE, CHANNEL_MASK, p=0.5), check_channel_mask),
    ("bn-momentum-0", lambda: bn(X43, momentum=0.0), check_batch_norm(X43, 0.0, True)),
    ("bn-momentum-1", lambda: bn(X43, momentum=1.0), check_batch_norm(X43, 1.0, True)),
    ("bn-momentum-above-1", lambda: bn(X43, momentum=1.5), check_batch_norm(X43, 1.5, True)),
    ("bn-momentum-negative", lambda: bn(X43, momentum=-0.1), check_batch_norm(X43, -0.1, True)),
    ("bn-eval-single-row", lambda: bn(np.ones((1, 3)), training=False), check_batch_norm(np.ones((1, 3)), 0.1, False)),
    ("momentum-0", lambda: optimizers.sgd_momentum_step([z(2)], [np.ones(2)], {}, lr=0.1, momentum=0), check_momentum_0),
    ("nesterov-momentum-0", lambda: optimizers.nesterov_step([z(2)], [np.ones(2)], {}, lr=0.1, momentum=0.0),
     check_nesterov_momentum_0),
    ("adagrad-initial-0", lambda: optimizers.adagrad_step([z(2)], [np.ones(2)], {}, lr=0.1, eps=1e-30),
     check_one_step(torch.optim.Adagrad, lr=0.1, eps=1e-30, initial_accumulator_value=0.0)),
    ("adam-betas-0", lambda: optimizers.adam_step([z(2)], [np.ones(2)], {}, lr=0.1, beta1=0.0, beta2=0.0, eps=1e-8),
     check_one_step(torch.optim.Adam, lr=0.1, betas=(0.0, 0.0), eps=1e-8)),
    ("lr-numpy-float32", lambda: optimizers.sgd_step([z(2)], [np.ones(2)], {}, lr=np.float32(0.5)),
     check_one_step(torch.optim.SGD, lr=0.5)),
    ("lr-int", lambda: optimizers.sgd_step([z(2)], [np.ones(2)], {}, lr=1), check_one_step(torch.optim.SGD, lr=1)),
    ("l2-lam-0", lambda: regularization.l2_penalty_forward(np.ones(3), lam=0.0), check_l2_lam_0),
    ("weight-decay-0", lambda: regularization.sgd_weight_decay_trajectory(z(2), z(3, 2), lr=0.1, weight_decay=0.0),
     check_weight_decay_0),
    ("logistic-scalar-b", lambda: logistic(b=0.0), check_logistic_scalar_b),
    ("softmax-numpy-int-axis", lambda: activations.softmax_forward(np.ones((2, 3)), axis=np.int64(0)),
     check_softmax_int_axis),
    ("softmax-empty-batch", lambda: activations.softmax_forward(z(0, 3)), check_softmax_empty_batch),
    ("ce-empty-sum", lambda: losses.cross_entropy_forward(z(0, 3), np.zeros(0, int), reduction="sum"), check_ce_empty_sum),
    ("mse-empty-none", lambda: losses.mse_forward(z(0), z(0), reduction="none"), check_mse_empty_none),
    ("unbroadcast-scalar", lambda: broadcasting.unbroadcast(np.ones((2, 3)), ()), check_unbroadcast_scalar),
]


@pytest.mark.parametrize("call, check", [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_the_edges_of_each_range_are_still_accepted(call, check):
    check(call())


@pytest.mark.parametrize("forward", [normalization.min_max_normalize_forward, normalization.standardize_forward])
def test_a_constant_column_is_still_the_documented_zeros(forward):
    x = np.column_stack([np.arange(4.0), np.full(4, 2.5)])
    out, _ = forward(x)
    assert np.all(np.isfinite(out)) and np.all(out[:, 1] == 0)

"""Catalog entries of the training networks: Keras keeps the learning rate in float32; |w|'s sub-gradient at 0."""

import functools

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import networks as ref
from reference import regularization

breast_cancer_data = functools.cache(ref.breast_cancer_data)
"""The data set is loaded once per process; the harness casts (copies) the arrays it is given."""


def logistic_regression_inputs(rng):
    X, Y = breast_cancer_data()
    return {"X": X, "Y": Y, "w": np.zeros((X.shape[0], 1)), "b": np.zeros((1, 1))}  # the course starts at zero


KERAS_LR_FLOAT32 = Divergence(
    id="keras-lr-float32",
    differs=N_("keras.optimizers.SGD stores learning_rate in a float32 variable and casts it to the variable's "
    "dtype at each step, so float64 training with lr = 0.1 steps by 0.10000000149; torch.optim.SGD uses "
    "the Python float 0.1. The float64 trajectories drift apart by about 1.5e-8 relative per unit lr."),
    naive=(
        Side("torch", implementation("torch", "networks.logistic_regression_final_w")),
        Side("tensorflow", implementation("tensorflow", "networks.logistic_regression_final_w")),
    ),
    faithful=(
        Side("torch", implementation("torch", "networks.logistic_regression_final_w"), {"lr_as_keras": True}),
        Side("tensorflow", implementation("tensorflow", "networks.logistic_regression_final_w")),
    ),
    naive_mapping=N_("lr = 0.1 in torch.optim.SGD and keras.optimizers.SGD, float64 weights"),
    faithful_mapping=N_("torch lr = float(np.float32(0.1)); or keras.config.set_floatx('float64'); or "
    "learning rates exact in float32 (0.5, 0.125), as every training concept here uses"),
    source="keras 3.15 keras/src/optimizers/base_optimizer.py, BaseOptimizer.__init__: "
    "backend.Variable(learning_rate, name='learning_rate', dtype=backend.floatx()) (float32 unless "
    "keras.config.set_floatx('float64')); keras/src/optimizers/sgd.py, update_step: "
    "ops.cast(learning_rate, variable.dtype)",
    sample=Sample("breast-cancer-lr-0.1", logistic_regression_inputs, params={"steps": 20, "lr": 0.1}),
    dtype="float64",
    quantity="w",
    shows=Difference("values", at=None, at_least=5e-10),  # 1.5e-8 relative per unit lr: far above float64 rounding
)


def zero_start_sparse_regression(rng):
    x, y = regularization.sparse_regression_data(rng)
    return {"x": x, "y": y, "w": np.zeros((1, x.shape[1])), "b": np.zeros(1)}  # every weight starts at |w|'s kink


L1_SUBGRADIENT_AT_ZERO = Divergence(
    id="l1-subgradient-at-zero",
    differs=N_("|w| has no derivative at w = 0. torch's abs, TensorFlow's abs (Keras L1), and Paddle's abs and "
    "L1Decay use the sub-gradient sign(0) = 0; jax.grad(jnp.abs)(0.0) is 1 (JAX differentiates abs as "
    "select(x >= 0, 1, -1)). From zero weights, an L1-penalised step in JAX pushes every weight down by lr * lam "
    "more than torch does: 0.03125 here after the first step."),
    naive=(
        Side("torch", implementation("torch", "regularization.l1_final_w")),
        Side("jax", implementation("jax", "regularization.l1_final_w")),
    ),
    faithful=(
        Side("torch", implementation("torch", "regularization.l1_final_w")),
        Side("jax", implementation("jax", "regularization.l1_final_w"), {"zero_subgradient": True}),
    ),
    naive_mapping=N_("lam * sum(|w|) in the loss on both sides: w.abs() in torch, jnp.abs(w) in JAX"),
    faithful_mapping=N_("in JAX write the penalty as lam * sum(sign(w) * w): the same value, gradient sign(w), 0 at 0; "
    "or start from weights that are not exactly 0"),
    source="jax/_src/lax/lax.py: ad.defjvp2(abs_p, _abs_jvp_rule), _abs_jvp_rule = select(operand >= 0, g, -g) "
    "(jax 0.10); torch tools/autograd/derivatives.yaml 'abs: grad * self.sgn()'; TensorFlow "
    "tensorflow/python/ops/math_grad.py _AbsGrad: grad * sign(x); keras/src/regularizers/regularizers.py "
    "L1.__call__: l1 * ops.sum(ops.absolute(x)); paddle/phi/kernels/impl/abs_grad_kernel_impl.h (sign)",
    sample=Sample("sparse-regression-from-zero", zero_start_sparse_regression,
                  params={"steps": 1, "lr": 0.25, "lam": 0.125}),
    dtype="float64",
    quantity="w",
    shows=Difference("values", at=None, at_least=0.03),  # lr * lam = 0.03125 on every weight after one step
)


def iris_early_stopping_inputs(rng):
    from reference.regression import iris_data

    data = iris_data()
    w, b = ref.linear_init(rng, 3, 4)
    return {"x_train": data["x_train"], "y_train": data["y_train"], "x_val": data["x_test"], "y_val": data["y_test"],
            "w": w, "b": b}


EARLY_STOPPING_PATIENCE = Divergence(
    id="early-stopping-patience",
    differs=N_("keras.callbacks.EarlyStopping(patience=p) stops after the p-th epoch in a row without improvement; "
    "flax.training.early_stopping.EarlyStopping(patience=p) checks patience_count >= p before counting the "
    "epoch, so it stops one epoch later, after p + 1. (paddle.callbacks.EarlyStopping counts as Keras does, "
    "but patience=0 stops after the first epoch even when it improved.) The extra epoch can also reset the "
    "count: here Keras stops after 33 epochs, flax with the same patience after 46."),
    naive=(
        Side("tensorflow", implementation("tensorflow", "regularization.early_stopping_epochs")),
        Side("jax", implementation("jax", "regularization.early_stopping_epochs"), {"flax_patience": 3}),
    ),
    faithful=(
        Side("tensorflow", implementation("tensorflow", "regularization.early_stopping_epochs")),
        Side("jax", implementation("jax", "regularization.early_stopping_epochs")),
    ),
    naive_mapping=N_("the same patience (3) for keras.callbacks.EarlyStopping and flax's EarlyStopping"),
    faithful_mapping=N_("flax patience = Keras patience - 1"),
    source="keras 3.15 keras/src/callbacks/early_stopping.py on_epoch_end: self.wait += 1 ... if self.wait >= "
    "self.patience and epoch > 0: stop; flax 0.12 flax/training/early_stopping.py update: should_stop = "
    "self.patience_count >= self.patience or self.should_stop, then patience_count + 1; paddle 3.3 "
    "python/paddle/hapi/callbacks.py EarlyStopping.on_eval_end",
    sample=Sample("iris-patience-3", iris_early_stopping_inputs,
                  params={"epochs": 100, "lr": 0.5, "patience": 3, "min_delta": 0.01}),
    dtype="float64",
    quantity="epochs",
    shows=Difference("values", at=None, at_least=1.0),  # at least one whole epoch (13 measured)
)

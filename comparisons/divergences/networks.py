"""Catalog entries of the training networks: Keras keeps the learning rate in float32."""

import functools

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import networks as ref

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

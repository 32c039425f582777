"""Weight initialisation with keras.initializers, described by the shared statistical checks."""

import keras
import numpy as np
# private (keras.src): no public API gives the fans this initialiser uses
from keras.src.initializers.random_initializers import compute_fans

from reference.init import describe

INITIALIZERS = {
    "glorot_uniform": lambda seed: keras.initializers.GlorotUniform(seed=seed),
    # GlorotNormal / HeNormal draw a truncated normal; "untruncated_normal" is torch's law
    "glorot_normal": lambda seed: keras.initializers.VarianceScaling(1.0, "fan_avg", "untruncated_normal", seed=seed),
    "he_uniform": lambda seed: keras.initializers.HeUniform(seed=seed),
    "he_normal": lambda seed: keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=seed),
    "small_normal": lambda seed: keras.initializers.RandomNormal(stddev=0.01, seed=seed),
    "uniform_pm1": lambda seed: keras.initializers.RandomUniform(-1.0, 1.0, seed=seed),
}


def keras_shape(shape):
    """torch (out, in, *kernel) -> Keras (*kernel, in, out): Dense (in, out), Conv2D HWIO."""
    return (*shape[2:], shape[1], shape[0])


def init(like, *, scheme, shape, seed):
    shape = keras_shape(shape)
    w = INITIALIZERS[scheme](seed)(shape, dtype=like.dtype.name)
    fan_in, fan_out = compute_fans(shape)  # the fan computation VarianceScaling itself uses
    return describe(w.numpy(), scheme, fan_in, fan_out)


# Catalog sides (comparisons/divergences/init.py): deterministic flags of a draw.


def dense_init_flags(*, n_in, n_out):
    """[kernel passes the Glorot-uniform checks, bias is zero] of a default keras.layers.Dense(n_out), float64."""
    dense = keras.layers.Dense(n_out)  # kernel_initializer="glorot_uniform", bias_initializer="zeros"
    dense.build((None, n_in))
    kernel, bias = (v.numpy() for v in dense.weights)
    facts = describe(kernel.T, "glorot_uniform", n_in, n_out)  # kernel.T: torch's (out, in) layout
    return np.array([facts["bound_ok"] * facts["std_ok"], float(np.all(bias == 0))])


def normal_tail_flag(*, n_in, n_out, seed, initializer, args=()):
    """1.0 when some draw of ``keras.initializers.<initializer>(*args)`` on an (n_in, n_out) kernel exceeds 2.5 sigma.

    sigma = sqrt(2 / (n_in + n_out)), Glorot's. Certain for 2048 untruncated normal draws,
    impossible for a normal truncated at 2 sigma / 0.8796 = 2.27 sigma.
    """
    # GlorotNormal and HeNormal draw truncated_normal; VarianceScaling(..., "untruncated_normal") is torch's law.
    kernel = getattr(keras.initializers, initializer)(*args, seed=seed)((n_in, n_out))
    return np.array([float(np.abs(kernel.numpy()).max() > 2.5 * np.sqrt(2.0 / (n_in + n_out)))])

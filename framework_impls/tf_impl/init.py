"""Weight initialisation with keras.initializers, described by the shared statistical checks."""

import keras
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

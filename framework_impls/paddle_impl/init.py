"""Weight initialisation with paddle.nn.initializer, described by the shared statistical checks."""

import paddle
from paddle.nn import initializer

from reference.init import describe

INITIALIZERS = {
    "glorot_uniform": lambda: initializer.XavierUniform(),
    "glorot_normal": lambda: initializer.XavierNormal(),  # untruncated, as torch's xavier_normal_
    # Kaiming* default to nonlinearity="relu": gain sqrt(2); untruncated normal
    "he_uniform": lambda: initializer.KaimingUniform(nonlinearity="relu"),
    "he_normal": lambda: initializer.KaimingNormal(nonlinearity="relu"),
    "small_normal": lambda: initializer.Normal(mean=0.0, std=0.01),
    "uniform_pm1": lambda: initializer.Uniform(low=-1.0, high=1.0),
}


def paddle_shape(shape):
    """torch (out, in, *kernel) -> Paddle: Linear weights are (in, out), Conv2D kernels (out, in, kh, kw) as torch."""
    return (shape[1], shape[0]) if len(shape) == 2 else tuple(shape)


def init(like, *, scheme, shape, seed):
    init_fn = INITIALIZERS[scheme]()
    state = paddle.get_rng_state()  # a fixed seed without touching the global stream
    paddle.seed(seed)
    try:
        w = paddle.create_parameter(paddle_shape(shape), like.dtype, default_initializer=init_fn)
    finally:
        paddle.set_rng_state(state)
    # the fan computation the initializers themselves use
    # private: no public API gives the fans this initialiser uses
    fan_in, fan_out = init_fn._compute_fans(w)
    return describe(w.numpy(), scheme, fan_in, fan_out)

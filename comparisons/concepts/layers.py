"""Layer concepts: batch normalisation, dropout and L2 regularisation in training."""

import numpy as np

from comparisons.registry import Concept, Divergence, Sample, implementations, register
from reference import layers as ref
from reference import regularization as reg


def batch_norm_inputs(shape, shift=0.0):
    """x of ``shape`` (channels on axis 1), gamma, beta and running statistics for C channels."""
    channels = shape[1]

    def draw(rng):
        return {
            "x": shift + rng.standard_normal(shape),
            "gamma": rng.uniform(0.5, 1.5, channels),
            "beta": rng.standard_normal(channels),
            "running_mean": rng.standard_normal(channels),
            "running_var": rng.uniform(0.5, 2.0, channels),
        }

    return draw


def batch_norm_samples(rng):
    yield Sample("dense-train", batch_norm_inputs((6, 3)), {"momentum": 0.1, "eps": 1e-5},
                 note="(N, C): statistics over the batch; running_var gets the unbiased variance")
    yield Sample("conv-train", batch_norm_inputs((2, 3, 2, 2)), {"momentum": 0.1, "eps": 1e-5},
                 note="(N, C, H, W): statistics per channel over N, H and W (m = 8 values)")
    yield Sample("shifted-train", batch_norm_inputs((5, 2), shift=20.0), {"momentum": 0.25, "eps": 1e-3},
                 dtypes=("float64",),
                 note="a mean of 20: the two-pass variance avoids cancellation; Keras's default eps. float64 "
                 "only: in float32 x itself is rounded to 2e-6, so x - mu and dx carry absolute errors of a "
                 "few 1e-6 that differ between libraries")
    yield Sample("dense-eval", batch_norm_inputs((6, 3)), {"eps": 1e-5, "training": False},
                 note="eval mode: the running statistics normalise and stay unchanged")
    yield Sample("conv-eval", batch_norm_inputs((2, 3, 2, 2)), {"eps": 1e-5, "training": False},
                 note="eval mode on (N, C, H, W)")


def dropout_inputs(shape, p):
    """x and a keep-mask with P(drop) = p (at least one unit kept and one dropped)."""

    def draw(rng):
        mask = (rng.uniform(size=shape) >= p).astype(float)
        mask.flat[0], mask.flat[-1] = 1.0, 0.0
        return {"x": rng.standard_normal(shape), "mask": mask}

    return draw


def dropout_samples(rng):
    yield Sample("dense-p0.5", dropout_inputs((4, 5), 0.5), {"p": 0.5}, note="kept units doubled")
    yield Sample("conv-p0.2", dropout_inputs((2, 3, 2, 2), 0.2), {"p": 0.2}, note="kept units scaled by 1.25")
    yield Sample("keep-prob-0.8", dropout_inputs((3, 4), 0.2), {"p": 0.2},
                 note="Ng's keep_prob = 0.8 is p = 0.2: a3 = a3 * d3 / keep_prob")


def weight_decay_samples(rng):
    def draw(rng):
        return {"theta0": rng.standard_normal(4), "grads": rng.standard_normal((50, 4))}

    for weight_decay in (2.0**-3, 2.0**-1):
        yield Sample(f"decay-{weight_decay:g}", draw, {"lr": 2.0**-4, "weight_decay": weight_decay},
                     note="an L2 term in the loss (Keras) against weight_decay in the optimiser (torch)")


def _frameworks():
    from comparisons.backends import WITNESSES

    return WITNESSES["torch"].framework, WITNESSES["tensorflow"].framework


def torch_batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """torch's training-mode batch norm: (out, running_mean, running_var) as NumPy arrays."""
    torch, _ = _frameworks()
    from framework_impls.torch_impl.layers import batch_norm

    tensors = [torch.tensor(v) for v in (x, gamma, beta, running_mean, running_var)]
    return {k: v.numpy() for k, v in batch_norm(*tensors, momentum=momentum, eps=eps).items()}


def keras_batch_norm(x, gamma, beta, running_mean, running_var, **options):
    """keras.layers.BatchNormalization in training mode, with the given state and options."""
    _, tf = _frameworks()
    import keras

    layer = keras.layers.BatchNormalization(axis=1, dtype=x.dtype.name, **options)  # axis=1: NCHW channels
    layer.build(x.shape)
    layer.set_weights([gamma, beta, running_mean, running_var])
    out = layer(tf.constant(x), training=True)
    return {"out": out.numpy(), "running_mean": layer.moving_mean.numpy(), "running_var": layer.moving_variance.numpy()}


def _bn_pair(quantity, keras_options, torch_options=None, unbias=False):
    def pair(x, gamma, beta, running_mean, running_var):
        inputs = (x, gamma, beta, running_mean, running_var)
        torch_side = torch_batch_norm(*inputs, **(torch_options or {}))[quantity]
        keras_side = keras_batch_norm(*inputs, **keras_options)[quantity]
        if unbias:  # rescale Keras's share of the new batch to the unbiased variance torch stores
            m = x.size // x.shape[1]
            kept = keras_options["momentum"] * running_var
            keras_side = kept + (keras_side - kept) * (m / (m - 1))
        return torch_side, keras_side

    return pair


BN_SAMPLE = Sample("conv-train", batch_norm_inputs((2, 3, 2, 2)))
BN_SOURCE = (
    "https://github.com/keras-team/keras/blob/master/keras/src/layers/normalization/batch_normalization.py "
    "(momentum=0.99, epsilon=1e-3; moving_mean * momentum + mean * (1 - momentum); variance from "
    "ops.moments, biased); https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html (momentum=0.1, "
    "eps=1e-5, running_var with the unbiased variance)"
)

BATCH_NORM_DIVERGENCES = (
    Divergence(
        id="batchnorm-momentum",
        frameworks=("torch", "tensorflow"),
        differs="torch's momentum (default 0.1) is the weight of the new batch, running = (1 - m) running + "
        "m batch; Keras's (default 0.99) is the weight of the old value, moving = m moving + (1 - m) batch.",
        naive=_bn_pair("running_mean", {"momentum": 0.1, "epsilon": 1e-5}),
        faithful=_bn_pair("running_mean", {"momentum": 0.9, "epsilon": 1e-5}),
        naive_mapping="Keras momentum = torch momentum = 0.1",
        faithful_mapping="Keras momentum = 1 - torch momentum = 0.9",
        source=BN_SOURCE,
        sample=BN_SAMPLE,
        quantity="running_mean",
    ),
    Divergence(
        id="batchnorm-epsilon",
        frameworks=("torch", "tensorflow"),
        differs="default eps: torch 1e-5, Keras 1e-3, added to the variance before the square root. "
        "TensorFlow 2.21's fused kernel (tf.compat.v1.nn.fused_batch_norm) does not raise eps to 1.001e-5 "
        "on CPU: 1e-6 is used as given (the clamp was in tf.keras 2's fused layer).",
        naive=_bn_pair("out", {"momentum": 0.9}),
        faithful=_bn_pair("out", {"momentum": 0.9, "epsilon": 1e-5}),
        naive_mapping="each framework's default epsilon",
        faithful_mapping="the same epsilon passed to both (epsilon=1e-5 in Keras)",
        source=BN_SOURCE,
        sample=BN_SAMPLE,
        quantity="out",
    ),
    Divergence(
        id="batchnorm-running-variance",
        frameworks=("torch", "tensorflow"),
        differs="torch updates running_var with the unbiased batch variance (divided by m - 1, m = N*H*W), "
        "Keras updates moving_variance with the biased one (divided by m); both normalise with the biased one.",
        naive=_bn_pair("running_var", {"momentum": 0.9, "epsilon": 1e-5}),
        faithful=_bn_pair("running_var", {"momentum": 0.9, "epsilon": 1e-5}, unbias=True),
        naive_mapping="compare running_var with moving_variance directly (momentum and eps mapped)",
        faithful_mapping="scale Keras's new-batch share of moving_variance by m / (m - 1)",
        source=BN_SOURCE,
        sample=BN_SAMPLE,
        quantity="running_var",
    ),
)


def _torch_dropout(x, p, seed=0):
    """torch's own dropout (its own mask), drawn from a fixed seed without touching the global stream."""
    torch, _ = _frameworks()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return torch.nn.functional.dropout(torch.tensor(x), p, training=True).numpy()


def _tf_dropout(x, p, seed=(1, 2)):
    """TensorFlow's own dropout (its own mask) from a fixed stateless seed."""
    _, tf = _frameworks()
    return tf.nn.experimental.stateless_dropout(tf.constant(x), rate=p, seed=seed).numpy()


def _dropout_pair(framework_dropout, inverted):
    def pair(x, *, p):
        out = framework_dropout(x, p)
        mask = (out != 0).astype(x.dtype)  # x has no zeros: the kept units are the non-zero outputs
        return ref.dropout_forward(x, mask, p=p)[0] if inverted else x * mask, out

    return pair


DROPOUT_SAMPLE = Sample("dense-p0.5", lambda rng: {"x": rng.uniform(0.5, 2.0, (8, 8))}, {"p": 0.5})
DROPOUT_DIFFERS = ("both frameworks use inverted dropout, scaling kept units by 1 / (1 - p) in training "
                   "(identity in eval); the original dropout paper kept units unscaled and multiplied the "
                   "weights by 1 - p at test time. The masks come from different random streams.")
DROPOUT_DIVERGENCES = (
    Divergence(
        id="dropout-scaling",
        frameworks=("numpy", "torch"),
        differs=DROPOUT_DIFFERS,
        naive=_dropout_pair(_torch_dropout, inverted=False),
        faithful=_dropout_pair(_torch_dropout, inverted=True),
        naive_mapping="x * mask with torch's mask (unscaled, as in the original paper)",
        faithful_mapping="x * mask / (1 - p) with the mask read back from torch's output",
        source="https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html (outputs are scaled by 1/(1-p))",
        sample=DROPOUT_SAMPLE,
    ),
    Divergence(
        id="dropout-scaling-tf",
        frameworks=("numpy", "tensorflow"),
        differs=DROPOUT_DIFFERS,
        naive=_dropout_pair(_tf_dropout, inverted=False),
        faithful=_dropout_pair(_tf_dropout, inverted=True),
        naive_mapping="x * mask with TensorFlow's mask (unscaled)",
        faithful_mapping="x * mask / (1 - p) with the mask read back from TensorFlow's output",
        source="https://www.tensorflow.org/api_docs/python/tf/nn/dropout (kept elements scaled up by 1 / (1 - rate))",
        sample=DROPOUT_SAMPLE,
    ),
)


def _sgd_decay_pair(keras_weight_decay_factor):
    def pair(theta0, grads, *, lr, weight_decay):
        torch, tf = _frameworks()
        from framework_impls.tf_impl.regularization import sgd_weight_decay as keras_side
        from framework_impls.torch_impl.regularization import sgd_weight_decay as torch_side

        a = torch_side(torch.tensor(theta0), torch.tensor(grads), lr=lr, weight_decay=weight_decay)["theta"]
        # the Keras implementation adds L2(weight_decay / 2); a factor 2 here makes it L2(weight_decay)
        b = keras_side(tf.constant(theta0), tf.constant(grads), lr=lr,
                       weight_decay=keras_weight_decay_factor * weight_decay)["theta"]
        return a.numpy(), b.numpy()

    return pair


def _adam_decay_pair(torch_optimizer):
    def pair(theta0, grads, *, lr, weight_decay):
        torch, tf = _frameworks()
        import keras

        theta = torch.tensor(theta0).requires_grad_(True)
        optimizer = getattr(torch.optim, torch_optimizer)([theta], lr=lr, betas=(0.875, 1 - 2.0**-10),
                                                          eps=1e-30, weight_decay=weight_decay)
        variable = keras.Variable(theta0, dtype=theta0.dtype.name)
        keras_optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=0.875, beta_2=1 - 2.0**-10,
                                                epsilon=1e-30, weight_decay=weight_decay)
        a, b = [], []
        for g in grads:
            theta.grad = torch.tensor(g)
            optimizer.step()
            keras_optimizer.apply_gradients([(tf.constant(g), variable)])
            a.append(theta.detach().numpy().copy())
            b.append(variable.numpy())
        return np.stack(a), np.stack(b)

    return pair


DECAY_SAMPLE = Sample("fed-gradients", lambda rng: {"theta0": rng.standard_normal(4),
                                                    "grads": rng.standard_normal((50, 4))},
                      {"lr": 2.0**-4, "weight_decay": 2.0**-2})
L2_DIVERGENCES = (
    Divergence(
        id="weight-decay",
        frameworks=("torch", "tensorflow"),
        differs="torch weight_decay=l adds l * theta to the gradient; keras.regularizers.L2(l) adds "
        "l * sum(theta**2) to the loss, whose gradient is 2 l theta.",
        naive=_sgd_decay_pair(2.0),
        faithful=_sgd_decay_pair(1.0),
        naive_mapping="torch SGD(weight_decay=l) against Keras L2(l) in the loss",
        faithful_mapping="torch SGD(weight_decay=l) against Keras L2(l / 2)",
        source="https://github.com/keras-team/keras/blob/master/keras/src/regularizers/regularizers.py "
        "(L2: self.l2 * ops.sum(ops.square(x))); https://github.com/pytorch/pytorch/blob/main/torch/optim/sgd.py "
        "(grad = grad.add(param, alpha=weight_decay))",
        sample=DECAY_SAMPLE,
        quantity="theta",
    ),
    Divergence(
        id="weight-decay-adam",
        frameworks=("torch", "tensorflow"),
        differs="Keras optimisers' weight_decay is decoupled (AdamW: theta -= lr * wd * theta, outside the "
        "adaptive step); torch.optim.Adam's weight_decay adds wd * theta to the gradient (an L2 term, then "
        "rescaled by Adam). torch.optim.AdamW is the decoupled one.",
        naive=_adam_decay_pair("Adam"),
        faithful=_adam_decay_pair("AdamW"),
        naive_mapping="torch Adam(weight_decay=wd) against Keras Adam(weight_decay=wd)",
        faithful_mapping="torch AdamW(weight_decay=wd) against Keras Adam(weight_decay=wd)",
        source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/base_optimizer.py "
        "(_apply_weight_decay: variable.assign(variable - variable * wd * lr)); "
        "https://github.com/pytorch/pytorch/blob/main/torch/optim/adamw.py (param.mul_(1 - lr * weight_decay))",
        sample=DECAY_SAMPLE,
        quantity="theta",
    ),
)


register(
    Concept(
        name="batch_norm",
        family="layers",
        summary="Batch normalisation in training (batch statistics, running-statistics update) and eval mode.",
        samples=batch_norm_samples,
        reference=(ref.batch_norm_forward, ref.batch_norm_backward),
        implementations=implementations("layers.batch_norm"),
        grad_wrt=("x", "gamma", "beta"),
        divergences=BATCH_NORM_DIVERGENCES,
        tutorial="Normalising activations inside the network, as the input normalisation does for x.",
        forward_math=r"\hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\quad y = \gamma \hat x + \beta,"
        r"\quad r_\mu \leftarrow (1-m) r_\mu + m \mu_B,"
        r"\ r_{\sigma^2} \leftarrow (1-m) r_{\sigma^2} + m \tfrac{n}{n-1}\sigma_B^2",
        backward_math=r"\frac{\partial L}{\partial x} = \frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}}\Big(\delta - "
        r"\overline{\delta} - \hat x\, \overline{\delta \hat x}\Big),"
        r"\ \frac{\partial L}{\partial \gamma} = \sum \delta \hat x,"
        r"\ \frac{\partial L}{\partial \beta} = \sum \delta",
    ),
    Concept(
        name="dropout",
        family="layers",
        summary="Inverted dropout with an injected keep-mask: x * mask / (1 - p), the same mask in the backward pass.",
        samples=dropout_samples,
        reference=(ref.dropout_forward, ref.dropout_backward),
        implementations=implementations("layers.dropout"),
        grad_wrt=("x",),
        divergences=DROPOUT_DIVERGENCES,
        tutorial="Ng's inverted dropout: d3 = rand < keep_prob; a3 = a3 * d3 / keep_prob.",
        forward_math=r"y = x \odot \frac{M}{1 - p}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \odot \frac{M}{1 - p}",
    ),
    Concept(
        name="l2_regularization",
        family="layers",
        summary="L2 regularisation: weight_decay in torch.optim.SGD against a keras L2 penalty in the loss (50 steps).",
        samples=weight_decay_samples,
        reference=(reg.sgd_weight_decay_trajectory, None),
        implementations=implementations("regularization.sgd_weight_decay"),
        grad_wrt=(),
        divergences=L2_DIVERGENCES,
        tutorial="L2-regularised cost J + lambda / (2m) * sum ||W||^2 and its gradient term lambda / m * W.",
        forward_math=r"\theta_t = \theta_{t-1} - \eta\,(g_t + \lambda \theta_{t-1})",
    ),
)

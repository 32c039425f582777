"""Divergence catalog entries of the convolution family, each with a naive and a faithful mapping.

Every mapping takes the sample's NumPy inputs and returns the pair of results of the
two frameworks named in its record. Frameworks are imported inside the functions, so
importing this module (or listing concepts) never loads torch or TensorFlow.
"""

from comparisons.backends import WITNESSES
from comparisons.registry import Divergence, Sample


def _torch():
    torch = WITNESSES["torch"].framework  # imported with the run's thread settings
    return torch, torch.nn.functional


def _tf():
    return WITNESSES["tensorflow"].framework


def _torch_input_grad(function, x, dout):
    """``d sum(function(x) * dout) / dx`` by torch autograd."""
    torch, _ = _torch()
    x = torch.tensor(x, requires_grad=True)
    (dx,) = torch.autograd.grad(function(x), x, grad_outputs=torch.tensor(dout))
    return dx


def _tf_input_grad(function, x, dout):
    """``d sum(function(x) * dout) / dx`` by tf.GradientTape."""
    tf = _tf()
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = function(x)
    return tape.gradient(out, x, output_gradients=tf.constant(dout))


def _nhwc(tf, x):
    return tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC


def _nchw(tf, x):
    return tf.transpose(x, (0, 3, 1, 2))  # NHWC -> NCHW


# same-padding -------------------------------------------------------------------------

def _same_padding_pair(x, w, b, *, explicit_pad):
    torch, F = _torch()
    from framework_impls.tf_impl.conv import conv2d as tf_conv2d

    xt = torch.tensor(x)
    if explicit_pad:
        xt = F.pad(xt, (0, 1, 0, 1))  # TensorFlow's 'SAME' at in=8, k=3, s=2: (0, 1) rows and columns
    a = F.conv2d(xt, torch.tensor(w), torch.tensor(b), stride=2, padding=0 if explicit_pad else 1)
    return a, tf_conv2d(_tf().constant(x), _tf().constant(w), _tf().constant(b), stride=2, padding="same")


SAME_PADDING = Divergence(
    id="same-padding",
    frameworks=("torch", "tensorflow"),
    differs="TensorFlow 'SAME': out = ceil(in / s), total pad = max((out - 1) s + (k - 1) d + 1 - in, 0), "
    "before = total // 2, the extra pixel at bottom/right. At in = 8, k = 3, s = 2 that is (0, 1); the "
    "symmetric torch padding=1 gives the same output shape but pads (1, 1), shifting every window "
    "(torch's padding='same' refuses stride > 1).",
    naive=lambda x, w, b: _same_padding_pair(x, w, b, explicit_pad=False),
    faithful=lambda x, w, b: _same_padding_pair(x, w, b, explicit_pad=True),
    naive_mapping="torch F.conv2d(stride=2, padding=1) against tf.nn.conv2d(strides=2, padding='SAME')",
    faithful_mapping="F.pad(x, (0, 1, 0, 1)) with TensorFlow's numbers, then F.conv2d(stride=2, padding=0)",
    source="https://www.tensorflow.org/api_docs/python/tf/nn#notes_on_padding_2 ; "
    "tensorflow/core/framework/kernel_shape_util.cc (GetWindowedOutputSizeVerbose, pad_before = total // 2)",
    sample=Sample(
        "in8-k3-s2",
        lambda rng: {"x": rng.standard_normal((1, 2, 8, 8)), "w": rng.standard_normal((3, 2, 3, 3)),
                     "b": rng.standard_normal(3)},
    ),
)


# conv-layout --------------------------------------------------------------------------

def _layout_pair(x, w, b, *, transpose_kernel):
    torch, F = _torch()
    tf = _tf()
    # NHWC data either way; the naive kernel is OIHW memory read as HWIO (a reshape, not a transpose)
    hwio_shape = (w.shape[2], w.shape[3], w.shape[1], w.shape[0])
    kernel = tf.transpose(w, (2, 3, 1, 0)) if transpose_kernel else tf.reshape(w, hwio_shape)
    out = tf.nn.conv2d(_nhwc(tf, tf.constant(x)), kernel, strides=1, padding="VALID") + b
    return F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b)), _nchw(tf, out)


CONV_LAYOUT = Divergence(
    id="conv-layout",
    frameworks=("torch", "tensorflow"),
    differs="torch stores data NCHW and kernels OIHW (out, in, kh, kw); TensorFlow NHWC and HWIO. "
    "Reshaping a kernel to the other layout keeps the shape right and scrambles the weights.",
    naive=lambda x, w, b: _layout_pair(x, w, b, transpose_kernel=False),
    faithful=lambda x, w, b: _layout_pair(x, w, b, transpose_kernel=True),
    naive_mapping="x transposed NCHW -> NHWC, but w reshaped (not transposed) from OIHW to HWIO",
    faithful_mapping="x.transpose(0, 2, 3, 1) and w.transpose(2, 3, 1, 0); the output back with (0, 3, 1, 2)",
    source="https://www.tensorflow.org/api_docs/python/tf/nn/conv2d (filter [filter_height, filter_width, "
    "in_channels, out_channels]); https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html",
    sample=Sample(
        "c3-o4-k3",
        lambda rng: {"x": rng.standard_normal((1, 3, 5, 5)), "w": rng.standard_normal((4, 3, 3, 3)),
                     "b": rng.standard_normal(4)},
    ),
)


# cross-correlation --------------------------------------------------------------------

def _correlation_pair(image, kernel, *, flip):
    import scipy.signal

    torch, F = _torch()
    scipy_fn = scipy.signal.correlate2d if flip else scipy.signal.convolve2d
    a = scipy_fn(image, kernel, mode="valid")
    b = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0]
    return a.astype(image.dtype), b


CROSS_CORRELATION = Divergence(
    id="cross-correlation",
    frameworks=("numpy", "torch"),
    differs="Deep-learning 'convolution' is cross-correlation (the kernel slides unflipped); "
    "np.convolve and scipy.signal.convolve2d compute the mathematical convolution, flipping the kernel.",
    naive=lambda image, kernel: _correlation_pair(image, kernel, flip=False),
    faithful=lambda image, kernel: _correlation_pair(image, kernel, flip=True),
    naive_mapping="scipy.signal.convolve2d(image, kernel, 'valid') against F.conv2d",
    faithful_mapping="scipy.signal.correlate2d(image, kernel, 'valid') (= convolve2d with kernel[::-1, ::-1])",
    source="https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html (\"where ⋆ is the valid 2D "
    "cross-correlation operator\"); https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.convolve2d.html",
    sample=Sample("image6x7-kernel3x3",
                  lambda rng: {"image": rng.standard_normal((6, 7)), "kernel": rng.standard_normal((3, 3))}),
)


# maxpool-ties -------------------------------------------------------------------------

def _maxpool_ties_pair(x, dout, *, reduce_max):
    _, F = _torch()
    tf = _tf()
    n, c, h, w = x.shape

    def tf_pool(t):
        if reduce_max:  # windows as axes: tf.reduce_max's gradient splits ties equally
            return tf.reduce_max(tf.reshape(t, (n, c, h // 2, 2, w // 2, 2)), axis=(3, 5))
        return _nchw(tf, tf.nn.max_pool2d(_nhwc(tf, t), 2, 2, "VALID"))

    return _tf_input_grad(tf_pool, x, dout), _torch_input_grad(lambda t: F.max_pool2d(t, 2), x, dout)


MAXPOOL_TIES = Divergence(
    id="maxpool-ties",
    frameworks=("tensorflow", "torch"),
    differs="When several elements of a window tie for the maximum, torch (CPU) and tf.nn.max_pool2d send the "
    "whole gradient to the first in row-major order; tf.reduce_max over the window splits it equally "
    "between the tied elements.",
    naive=lambda x, dout: _maxpool_ties_pair(x, dout, reduce_max=True),
    faithful=lambda x, dout: _maxpool_ties_pair(x, dout, reduce_max=False),
    naive_mapping="max pooling written as tf.reduce_max over reshaped 2x2 windows",
    faithful_mapping="tf.nn.max_pool2d (MaxPoolGrad routes to the recorded argmax), like F.max_pool2d",
    source="tensorflow/python/ops/math_grad.py (_MaxGrad: indicators / num_selected); "
    "aten/src/ATen/native/cpu/MaxPoolKernel.cpp (update only when val > maxval)",
    sample=Sample(
        "binary-4x4",
        lambda rng: {"x": rng.integers(0, 2, size=(1, 2, 4, 4)).astype(float),
                     "dout": rng.standard_normal((1, 2, 2, 2))},
        note="values in {0, 1}: most 2x2 windows tie",
    ),
    quantity="dx",
)


# avgpool-padding ----------------------------------------------------------------------

def _avgpool_padding_pair(x, *, count_include_pad):
    torch, F = _torch()
    tf = _tf()
    a = F.avg_pool2d(torch.tensor(x), 3, stride=1, padding=1, count_include_pad=count_include_pad)
    return a, _nchw(tf, tf.nn.avg_pool2d(_nhwc(tf, tf.constant(x)), 3, 1, "SAME"))


AVGPOOL_PADDING = Divergence(
    id="avgpool-padding",
    frameworks=("torch", "tensorflow"),
    differs="torch avg_pool2d counts padded zeros in the divisor by default (count_include_pad=True); "
    "TensorFlow's 'SAME' average divides by the number of real elements, so border outputs differ.",
    naive=lambda x: _avgpool_padding_pair(x, count_include_pad=True),
    faithful=lambda x: _avgpool_padding_pair(x, count_include_pad=False),
    naive_mapping="F.avg_pool2d(x, 3, stride=1, padding=1) with its default count_include_pad=True against "
    "tf.nn.avg_pool2d(x, 3, 1, 'SAME')",
    faithful_mapping="F.avg_pool2d(..., count_include_pad=False)",
    source="https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html (count_include_pad default True); "
    "tensorflow/core/kernels/avgpooling_op.cc (divides by the in-bounds window size)",
    sample=Sample("5x5-k3-s1-pad1", lambda rng: {"x": rng.standard_normal((1, 2, 5, 5))}),
)

"""Convolution weights between PyTorch, Keras, flax and PaddlePaddle conventions.

PyTorch (and PaddlePaddle, which copies it) stores

- a convolution kernel (C_out, C_in / groups, kh, kw) (OIHW); a depthwise convolution
  (``groups = C``, depth multiplier M) as (C M, 1, kh, kw), output channel ``c M + m``
  being filter m of input channel c;
- a transposed-convolution kernel (C_in, C_out / groups, kh, kw): input channels first,
  the layout of the conv2d it is the adjoint of;
- a dense weight (out, in), applied after ``Flatten`` of an NCHW map, so input feature
  ``(c H + h) W + w`` is pixel (h, w) of channel c. PaddlePaddle's ``Linear`` keeps
  [in, out] instead.

Keras 3 stores a ``Conv2D`` kernel (kh, kw, C_in, C_out), a ``DepthwiseConv2D`` kernel
(kh, kw, C, M), a ``Conv2DTranspose`` kernel (kh, kw, C_out, C_in) (the transposed
layout of the conv2d it is the gradient of), and a ``Dense`` kernel (in, out) after a
``Flatten`` of an NHWC map: input feature ``(h W + w) C + c``. flax.linen's ``Conv`` and
``Dense`` are Keras's, but its ``ConvTranspose`` kernel is (kh, kw, C_in, C_out) and, by
default (``transpose_kernel=False``), not flipped: it runs a plain convolution over the
stride-dilated input, so PyTorch's kernel must be flipped in both spatial axes.

Every function works on NumPy arrays by default; pass ``xp=jax.numpy`` or
``xp=tf.experimental.numpy`` to convert framework tensors inside a traced or taped
computation, so that gradients reach the torch-layout weights.
"""

import numpy as np

# ---------------------------------------------------------------- transposed convolution


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def conv_transpose_crops(in_hw, kernel_hw, stride=1, padding=0, output_padding=0, dilation=1):
    """What a transposed convolution's ``padding`` and ``output_padding`` cut from its full result.

    The full result of an (H, W) input is ``(H - 1) s + d (k - 1) + 1`` rows; torch's
    ``padding`` crops rows at both ends and ``output_padding`` gives back rows at the end.

    Parameters
    ----------
    in_hw, kernel_hw : (int, int)
    stride, output_padding, dilation : int or (int, int)
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        "same" is Keras's ``Conv2DTranspose(padding='same')``: the output is (H s, W s),
        cropped by TensorFlow's 'SAME' numbers for a conv2d on that size (the odd row
        at the end).

    Returns
    -------
    ((top, bottom), (left, right))
        Rows and columns to remove from the full result; a negative ``bottom`` /
        ``right`` means that many zero rows / columns to add (output_padding beyond the
        padding, or a 'same' output larger than the full result).
    """
    stride, dilation, extra = _pair(stride), _pair(dilation), _pair(output_padding)
    full = [(n - 1) * s + d * (k - 1) + 1 for n, k, s, d in zip(in_hw, kernel_hw, stride, dilation)]
    if padding == "same":
        crops = []
        for n, k, s, d, f in zip(in_hw, kernel_hw, stride, dilation, full):
            total = max((n - 1) * s + d * (k - 1) + 1 - n * s, 0)  # TensorFlow's 'SAME' for a conv2d on n s
            crops.append((total // 2, f - total // 2 - n * s))
        return tuple(crops)
    if padding == "valid":
        padding = 0
    pads = [(p, p) if isinstance(p, int) else tuple(p) for p in _pair(padding)]
    return tuple((top, bottom - e) for (top, bottom), e in zip(pads, extra))


def torch_conv_transpose_to_keras(w, *, xp=np):
    """torch ``ConvTranspose2d`` weight -> ``keras.layers.Conv2DTranspose`` kernel (also ``tf.nn.conv2d_transpose``).

    Parameters
    ----------
    w : array, shape (C_in, C_out, kh, kw)
        One group (Keras's layer has no ``groups``).

    Returns
    -------
    array, shape (kh, kw, C_out, C_in)
        ``w.transpose(2, 3, 1, 0)``: the same numbers, no flip.
    """
    return xp.transpose(w, (2, 3, 1, 0))


def keras_conv_transpose_to_torch(kernel, *, xp=np):
    """``Conv2DTranspose`` kernel (kh, kw, C_out, C_in) -> torch's (C_in, C_out, kh, kw): the inverse transpose."""
    return xp.transpose(kernel, (3, 2, 0, 1))


def torch_conv_transpose_to_flax(w, *, xp=np):
    """torch ``ConvTranspose2d`` weight -> ``flax.linen.ConvTranspose`` kernel (``transpose_kernel=False``).

    Parameters
    ----------
    w : array, shape (C_in, C_out, kh, kw)

    Returns
    -------
    array, shape (kh, kw, C_in, C_out)
        ``w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)``: flax convolves the stride-dilated
        input with the kernel as it is, the adjoint of a conv2d reads it flipped.
    """
    return xp.transpose(w[:, :, ::-1, ::-1], (2, 3, 0, 1))


def flax_conv_transpose_to_torch(kernel, *, xp=np):
    """``flax.linen.ConvTranspose`` kernel (kh, kw, C_in, C_out) -> torch's (C_in, C_out, kh, kw), unflipped."""
    return xp.transpose(kernel, (2, 3, 0, 1))[:, :, ::-1, ::-1]


def conv_transpose_as_conv_kernel(w, groups=1, *, xp=np):
    """torch transposed-convolution weight -> the OIHW kernel of the equivalent direct convolution.

    A transposed convolution is a plain convolution of the input dilated by the stride
    (``lhs_dilation`` in ``jax.lax.conv_general_dilated``), padded by ``d (k - 1)`` minus
    the crop, with this kernel: input and output channels swapped within each group and
    the window flipped.

    Parameters
    ----------
    w : array, shape (C_in, C_out / groups, kh, kw)
    groups : int

    Returns
    -------
    array, shape (C_out, C_in / groups, kh, kw)
        ``w.reshape(G, C_in/G, C_out/G, kh, kw).transpose(0, 2, 1, 3, 4)``, flattened to
        (C_out, C_in/G, kh, kw), then ``[..., ::-1, ::-1]``.
    """
    c_in, c_out_g, kh, kw = w.shape
    blocks = xp.reshape(w, (groups, c_in // groups, c_out_g, kh, kw))
    swapped = xp.reshape(xp.transpose(blocks, (0, 2, 1, 3, 4)), (groups * c_out_g, c_in // groups, kh, kw))
    return swapped[:, :, ::-1, ::-1]


# ------------------------------------------------------------------- depthwise convolution


def torch_depthwise_to_keras(w, channels, *, xp=np):
    """torch depthwise weight (``groups = C``) -> ``keras.layers.DepthwiseConv2D`` kernel.

    Parameters
    ----------
    w : array, shape (C M, 1, kh, kw)
        Output channel ``c M + m`` is filter m of input channel c (channel-major).
    channels : int
        C, the input channels (= torch's ``groups``).

    Returns
    -------
    array, shape (kh, kw, C, M)
        ``w.reshape(C, M, kh, kw).transpose(2, 3, 0, 1)``; Keras's output channel
        ``c M + m`` is the same filter, so outputs need no reordering.
    """
    total, _, kh, kw = w.shape
    return xp.transpose(xp.reshape(w, (channels, total // channels, kh, kw)), (2, 3, 0, 1))


def keras_depthwise_to_torch(kernel, *, xp=np):
    """``DepthwiseConv2D`` kernel (kh, kw, C, M) -> torch's (C M, 1, kh, kw) for ``groups = C``."""
    kh, kw, channels, multiplier = kernel.shape
    return xp.reshape(xp.transpose(kernel, (2, 3, 0, 1)), (channels * multiplier, 1, kh, kw))


# ------------------------------------------------------------------- flatten, then dense


def torch_flatten_dense_to_keras(w, chw, *, xp=np):
    """torch dense weight after ``Flatten`` of NCHW -> Keras / flax ``Dense`` kernel after ``Flatten`` of NHWC.

    Parameters
    ----------
    w : array, shape (out, C H W)
        Column ``(c H + h) W + w`` reads pixel (h, w) of channel c.
    chw : (int, int, int)
        (C, H, W) of the feature map.

    Returns
    -------
    array, shape (H W C, out)
        ``w.reshape(out, C, H, W).transpose(2, 3, 1, 0).reshape(-1, out)``: row
        ``(h W + w) C + c`` (Keras's flatten order) holds torch's column for (c, h, w).
        A plain ``w.T`` has the right shape and the wrong rows.
    """
    out = w.shape[0]
    return xp.reshape(xp.transpose(xp.reshape(w, (out, *chw)), (2, 3, 1, 0)), (-1, out))


def keras_flatten_dense_to_torch(kernel, chw, *, xp=np):
    """Keras / flax ``Dense`` kernel (H W C, out) after NHWC ``Flatten`` -> torch's (out, C H W) after NCHW."""
    channels, height, width = chw
    out = kernel.shape[1]
    return xp.reshape(xp.transpose(xp.reshape(kernel, (height, width, channels, out)), (3, 2, 0, 1)), (out, -1))


def torch_dense_to_paddle(w):
    """torch ``Linear`` weight (out, in) -> PaddlePaddle ``Linear`` weight [in, out]: ``w.T``.

    Paddle flattens NCHW like torch, so after ``Flatten`` only the transpose is needed.
    Works on NumPy arrays and on Paddle (and JAX) tensors, which all have ``.T``.
    """
    return w.T

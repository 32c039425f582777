"""Pooling with PyTorch built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F

from framework_impls.torch_impl.conv import split_padding


def _kernel_hw(kernel_size):
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def max_pool2d(x, *, kernel_size, stride=None, padding=0):
    stride = kernel_size if stride is None else stride  # torch's default: non-overlapping windows
    pad, padding = split_padding(x.shape[2:], _kernel_hw(kernel_size), stride, padding)
    if pad is not None:
        x = F.pad(x, pad, value=float("-inf"))  # explicit -inf padding never wins the max
    return F.max_pool2d(x, kernel_size, stride=stride, padding=padding)


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, count_include_pad=True):
    stride = kernel_size if stride is None else stride
    pad, padding = split_padding(x.shape[2:], _kernel_hw(kernel_size), stride, padding)
    if pad is None:
        return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding, count_include_pad=count_include_pad)
    # Uneven padding: torch pads symmetrically only, so pad explicitly with zeros ...
    average = F.avg_pool2d(F.pad(x, pad), kernel_size, stride=stride)
    if count_include_pad:
        return average
    # ... and without counting the padded zeros: divide by the share of real elements per window.
    real = F.pad(torch.ones_like(x[:1, :1]), pad)
    return average / F.avg_pool2d(real, kernel_size, stride=stride)


def max_pool2d_weighted(x, dout, *, kernel_size):
    """``max_pool2d(x) * dout`` (catalog maxpool-ties).

    The gradient of its sum with respect to x is max pooling's pullback of dout.
    """
    return max_pool2d(x, kernel_size=kernel_size) * dout  # CPU kernel: the whole gradient to the first maximum


def avg_pool2d_default(x, *, kernel_size, stride, padding):
    """F.avg_pool2d with its defaults otherwise (catalog entry avgpool-padding)."""
    return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding)  # count_include_pad=True: padded zeros count


def adaptive_avg_pool2d(x, *, output_size):
    return F.adaptive_avg_pool2d(x, output_size)  # windows [floor(i H / o), ceil((i + 1) H / o))


def fixed_avg_pool2d(x, *, kernel_size, stride):
    """F.avg_pool2d with a fixed window and stride (catalog adaptive-pool: the port of an adaptive pool)."""
    return F.avg_pool2d(x, kernel_size, stride=stride)

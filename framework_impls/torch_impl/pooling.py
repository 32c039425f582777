"""Pooling with PyTorch built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F

from framework_impls.torch_impl.conv import split_padding


def _kernel_hw(kernel_size):
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def max_pool2d(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = kernel_size if stride is None else stride  # torch's default: non-overlapping windows
    pad, padding = split_padding(x.shape[-2:], _kernel_hw(kernel_size), stride, padding, dilation)  # (N,) C, H, W
    if pad is not None:
        x = F.pad(x, pad, value=float("-inf"))  # explicit -inf padding never wins the max
    return F.max_pool2d(x, kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    stride = kernel_size if stride is None else stride
    pad, padding = split_padding(x.shape[-2:], _kernel_hw(kernel_size), stride, padding)  # x (N, C, H, W) or (C, H, W)
    options = {"stride": stride, "ceil_mode": ceil_mode, "divisor_override": divisor_override}
    if pad is None:
        return F.avg_pool2d(x, kernel_size, padding=padding, count_include_pad=count_include_pad, **options)
    # Uneven padding: torch pads symmetrically only, so pad explicitly with zeros ...
    average = F.avg_pool2d(F.pad(x, pad), kernel_size, **options)
    if count_include_pad or divisor_override is not None:
        return average
    # ... and without counting the padded zeros: divide by the share of real elements per window.
    real = F.pad(torch.ones(x.shape[-2:], dtype=x.dtype)[None], pad)  # (1, H, W): one unbatched channel
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

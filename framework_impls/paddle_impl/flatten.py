"""A feature map flattened and fed to a dense layer, with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle
import paddle.nn.functional as F

from framework_impls.conversions.conv import torch_dense_to_paddle


def flatten_dense(x, w, b):
    # paddle.flatten of NCHW is (C, H, W), as in torch; Paddle's Linear weight is [in, out]
    return F.linear(paddle.flatten(x, start_axis=1), torch_dense_to_paddle(w), b)

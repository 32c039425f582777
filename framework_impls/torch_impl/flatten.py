"""A feature map flattened and fed to a dense layer, with torch.nn built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F


def flatten_dense(x, w, b):
    # nn.Flatten() flattens NCHW as (C, H, W), the order torch's (out, C H W) weight was trained on
    return F.linear(torch.flatten(x, start_dim=1), w, b)

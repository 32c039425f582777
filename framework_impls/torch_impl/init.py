"""Weight initialisation with torch.nn.init, described by the shared statistical checks."""

import torch
from torch import nn

from reference.init import describe

INITIALIZERS = {
    "glorot_uniform": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
    "glorot_normal": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    # kaiming_*_ defaults to nonlinearity="leaky_relu" with a=0: gain sqrt(2), as for relu
    "he_uniform": lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g),
    "he_normal": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
    "small_normal": lambda w, g: nn.init.normal_(w, std=0.01, generator=g),
    "uniform_pm1": lambda w, g: nn.init.uniform_(w, -1.0, 1.0, generator=g),
}


def init(like, *, scheme, shape, seed):
    w = torch.empty(shape, dtype=like.dtype)  # (out, in) or (out, in, kh, kw)
    INITIALIZERS[scheme](w, torch.Generator().manual_seed(seed))
    # the fan computation nn.init itself uses
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
    return describe(w.numpy(), scheme, fan_in, fan_out)

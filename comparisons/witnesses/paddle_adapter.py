"""The PaddlePaddle witness: paddle tensors, gradients from ``paddle.grad``.

Paddle must never share a process with TensorFlow (importing paddle after tensorflow
segfaults with the pinned versions); here it has its own worker. Its start-up log
goes to the worker's silenced stderr.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from comparisons.witnesses.adapter import THREADS, Adapter, as_outputs, gradient_name


class PaddleAdapter(Adapter):
    name = "paddle"

    def setup(self):
        os.environ.setdefault("GLOG_minloglevel", "3")
        os.environ.setdefault("FLAGS_call_stack_level", "0")
        os.environ["OMP_NUM_THREADS"] = str(THREADS)
        warnings.filterwarnings("ignore")
        import paddle

        paddle.set_device("cpu")
        self.paddle = paddle

    def to_tensor(self, array, requires_grad=False):
        array = np.asarray(array)
        floating = np.issubdtype(array.dtype, np.floating)
        return self.paddle.to_tensor(array, stop_gradient=not (requires_grad and floating))

    def to_numpy(self, value):
        return value.numpy() if isinstance(value, self.paddle.Tensor) else np.asarray(value)

    def forward(self, function, inputs, params, grad_wrt):
        tensors = {k: self.to_tensor(v, requires_grad=k in grad_wrt) for k, v in inputs.items()}
        outputs = as_outputs(function(**tensors, **params))

        def pullback(dout):
            wrt = [tensors[k] for k in grad_wrt]
            grads = self.paddle.grad(outputs["out"], wrt, grad_outputs=self.to_tensor(dout), allow_unused=True)
            missing = [k for k, g in zip(grad_wrt, grads) if g is None]
            if missing:
                raise ValueError(f"no gradient flows to {', '.join(missing)}")
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(grad_wrt, grads)}

        return self.numpy_outputs(outputs), (pullback if grad_wrt else None)

"""The TensorFlow / Keras witness: tf tensors, gradients from ``tf.GradientTape``."""

from __future__ import annotations

import contextlib
import os

import numpy as np

from comparisons.witnesses.adapter import THREADS, Adapter, as_outputs, gradient_name


@contextlib.contextmanager
def silenced_stderr():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up log ignores
    ``TF_CPP_MIN_LOG_LEVEL`` once the process has started. (Workers silence their
    output for good; this is for the commands that import TensorFlow themselves.)"""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class TensorflowAdapter(Adapter):
    name = "tensorflow"

    def setup(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        with silenced_stderr():
            import tensorflow as tf
        tf.get_logger().setLevel("ERROR")
        with contextlib.suppress(RuntimeError):  # set up once already in this process (export, bench)
            tf.config.threading.set_intra_op_parallelism_threads(THREADS)
            tf.config.threading.set_inter_op_parallelism_threads(THREADS)
        tf.config.experimental.enable_op_determinism()
        self.tf = tf

    def to_tensor(self, array, requires_grad=False):
        return self.tf.constant(np.asarray(array))

    def to_numpy(self, value):
        return np.asarray(value.numpy()) if hasattr(value, "numpy") else np.asarray(value)

    def forward(self, function, inputs, params, grad_wrt):
        tf = self.tf
        tensors = {k: self.to_tensor(v) for k, v in inputs.items()}
        watched = [tensors[k] for k in grad_wrt]
        # Training concepts (no grad_wrt) run their own tapes; record nothing for them.
        with tf.GradientTape(watch_accessed_variables=False) if watched else contextlib.nullcontext() as tape:
            for tensor in watched:
                tape.watch(tensor)
            outputs = as_outputs(function(**tensors, **params))

        def pullback(dout):
            grads = tape.gradient(outputs["out"], watched, output_gradients=self.to_tensor(dout))
            missing = [k for k, g in zip(grad_wrt, grads) if g is None]
            if missing:
                raise ValueError(f"no gradient flows to {', '.join(missing)}")
            # a lookup (tf.gather, keras Embedding) returns tf.IndexedSlices: make them dense
            return {gradient_name(k): self.to_numpy(tf.convert_to_tensor(g)) for k, g in zip(grad_wrt, grads)}

        return self.numpy_outputs(outputs), (pullback if grad_wrt else None)

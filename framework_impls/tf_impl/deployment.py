"""The trained dense network as a Keras model, and its export with tf2onnx run by ONNX Runtime."""

import keras
import numpy as np
import tensorflow as tf

OPSET = 17


def build_network(weights, activations):
    """keras.Sequential of Dense layers holding the given weights."""
    dtype = np.asarray(weights[0]).dtype.name
    layers = [keras.Input(shape=(np.shape(weights[0])[1],), dtype=dtype)]
    for w, b, activation in zip(weights[::2], weights[1::2], activations):
        layers.append(keras.layers.Dense(np.shape(w)[0], activation=activation, dtype=dtype))
    network = keras.Sequential(layers)
    for dense, w, b in zip(network.layers, weights[::2], weights[1::2]):
        dense.set_weights([np.transpose(w), np.asarray(b)])  # Dense kernels are (in, out): transpose
    return network


def dense_network(x, w1, b1, w2, b2, *, activations):
    probabilities = build_network([np.asarray(w) for w in (w1, b1, w2, b2)], activations)(x)
    if probabilities.shape[1] == 1:
        prediction = tf.cast(probabilities[:, 0] > 0.5, tf.int64)
    else:
        prediction = tf.argmax(probabilities, axis=1)
    return {"out": probabilities, "prediction": prediction}


def export_onnx(weights, activations):
    """Serialized ONNX model of the Keras network, converted by tf2onnx from a tf.function."""
    import logging

    import tf2onnx

    logging.getLogger("tf2onnx").setLevel(logging.ERROR)  # the converter logs every step

    network = build_network([np.asarray(w) for w in weights], activations)
    dtype = tf.as_dtype(np.asarray(weights[0]).dtype)
    signature = [tf.TensorSpec([None, np.shape(weights[0])[1]], dtype, name="x")]
    function = tf.function(lambda x: network(x), input_signature=signature)
    logging.disable(logging.WARNING)  # its Gemm rewriter also warns on the root logger about float64
    try:
        model, _ = tf2onnx.convert.from_function(function, input_signature=signature, opset=OPSET)
    finally:
        logging.disable(logging.NOTSET)
    return model.SerializeToString()


def onnxruntime_on_export(x, w1, b1, w2, b2, *, activations):
    """ONNX Runtime on the file tf2onnx writes for this network (a forward-only witness)."""
    from framework_impls.onnx_impl.deployment import run_onnxruntime, with_prediction

    return with_prediction(run_onnxruntime(export_onnx((w1, b1, w2, b2), activations), x.numpy()))

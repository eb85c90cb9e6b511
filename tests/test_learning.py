"""The engine's parts, put together by hand, actually learn.

No model class here: a list of layers, a loss and an optimizer, and the training
loop written out the way a lesson writes it (forward, loss gradient, backward in
reverse, one optimizer step).
"""
import numpy as np

from learnnet import datasets, initializers, losses, optimizers, utils
from learnnet.layers import Dense


def train(layers, loss, optimizer, x, y, steps):
    for _ in range(steps):
        out = x
        for layer in layers:
            out = layer.forward(out, training=True)
        grad = loss.gradient(y, out)
        for layer in reversed(layers):
            grad = layer.backward(grad)
        optimizer.apply_gradients([pair for layer in layers for pair in layer.grads_and_vars()])
    return loss(y, out)


def predict(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def test_two_layer_network_learns_xor_to_100_percent():
    utils.set_random_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    layers = [Dense(8, activation="tanh"), Dense(1, activation="sigmoid")]
    final_loss = train(layers, losses.BinaryCrossentropy(), optimizers.Adam(learning_rate=0.05), x, y, steps=300)
    assert final_loss < 0.05
    np.testing.assert_array_equal(predict(layers, x) > 0.5, y > 0.5)


def test_network_learns_a_three_class_spiral_to_95_percent():
    x, y = datasets.make_spiral(n_samples=300, n_classes=3, seed=0)
    layers = [Dense(64, activation="relu", kernel_initializer=initializers.HeNormal(seed=1)),
              Dense(3, activation="softmax", kernel_initializer=initializers.GlorotUniform(seed=2))]
    train(layers, losses.SparseCategoricalCrossentropy(), optimizers.Adam(learning_rate=0.02), x, y, steps=600)
    accuracy = np.mean(np.argmax(predict(layers, x), axis=1) == y)
    assert accuracy >= 0.95


def test_same_seed_gives_bit_identical_training():
    def run():
        utils.set_random_seed(7)
        x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
        y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
        layers = [Dense(4, activation="relu"), Dense(1, activation="sigmoid")]
        train(layers, losses.BinaryCrossentropy(), optimizers.SGD(0.1, momentum=0.9), x, y, steps=20)
        return [w for layer in layers for w in layer.get_weights()]

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)

"""Training and predict contenders: the same model, the same data, the same batch size, four ways.

Each ``*_contenders`` function returns ``{name: fn}``: ``fn()`` runs one unit of work (an epoch
of ``steps`` batches, or one predict pass) and returns how many steps (samples) it did, so the
timer divides by it. Every contender shuffles once per epoch and takes batches of 32, as ``fit``
does; each one computes the batch loss, as ``fit`` reports it.

- ``learnnet``: ``model.fit(x, y, batch_size=32, epochs=1, verbose=0)``, the course's code.
- ``numpy``: the same math written by hand as a minimal NumPy loop (float32, in-place Adam):
  the floor an engine built on NumPy can approach, with no checks and no bookkeeping. Its batch
  loss is the one ``fit`` reports, Keras's (rows divided by their sum, then clipped).
- ``torch``: PyTorch eager on the CPU, written the usual way (``nn.Sequential``, logits with
  ``CrossEntropyLoss``, ``torch.optim``), with as many threads as NumPy's BLAS.
- ``keras``: Keras 3 ``fit`` on the torch backend (``KERAS_BACKEND=torch``).
"""
import math

import numpy as np

BATCH = 32
PREDICT_BATCH = 256
MLP_SIZES = (100, 64, 32, 10)


# ------------------------------------------------------------------------------ data

def mlp_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, MLP_SIZES[0])).astype(np.float32)
    labels = rng.integers(0, MLP_SIZES[-1], size=n)
    return x, np.eye(MLP_SIZES[-1], dtype=np.float32)[labels], labels


def cnn_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random(size=(n, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, size=n)
    return x, np.eye(10, dtype=np.float32)[labels], labels


# ------------------------------------------------------------------------ learnnet

def learnnet_mlp():
    import learnnet
    from learnnet.layers import Dense
    from learnnet.models import Sequential
    learnnet.utils.set_random_seed(0)
    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def learnnet_cnn():
    import learnnet
    from learnnet.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from learnnet.models import Sequential
    learnnet.utils.set_random_seed(0)
    model = Sequential([
        Conv2D(8, 3, padding="same", activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(),
        Conv2D(16, 3, padding="same", activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def learnnet_fit(model, x, y):
    def run():
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        return -(-len(x) // BATCH)
    return run


def learnnet_predict(model, x):
    def run():
        model.predict(x, batch_size=PREDICT_BATCH, verbose=0)
        return len(x)
    return run


# ---------------------------------------------------------------------- NumPy floor

class NumpyMLP:
    """100-64-32-10 relu-relu-softmax, categorical cross-entropy, Adam: the minimal hand-written loop."""

    def __init__(self, seed=0, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        rng = np.random.default_rng(seed)
        self.params = []
        for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
            limit = np.sqrt(6 / (fan_in + fan_out))
            self.params += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                            np.zeros(fan_out, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.lr, self.b1, self.b2, self.eps, self.t = lr, beta_1, beta_2, epsilon, 0
        self.rng = rng

    def forward(self, x):
        w1, b1, w2, b2, w3, b3 = self.params
        z1 = x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        z3 = h2 @ w3 + b3
        e = np.exp(z3 - z3.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True), (z1, h1, z2, h2)

    def step(self, x, y):
        w1, b1, w2, b2, w3, b3 = self.params
        p, (z1, h1, z2, h2) = self.forward(x)
        n = len(x)
        # the loss fit reports, Keras's: each row divided by its sum, clipped, then the cross-entropy
        loss = -np.sum(y * np.log(np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7))) / n
        g3 = (p - y) / n                       # softmax + cross-entropy, fused
        g2 = (g3 @ w3.T) * (z2 > 0)
        g1 = (g2 @ w2.T) * (z1 > 0)
        grads = [x.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)   # a Python float: no float64
        for p_, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - self.b1) * (g - m)
            v += (1 - self.b2) * (g * g - v)
            p_ -= alpha * m / (np.sqrt(v) + self.eps)
        return loss

    def epoch(self, x, y):
        order = self.rng.permutation(len(x))
        xs, ys = x[order], y[order]
        total = 0.0
        for start in range(0, len(x), BATCH):
            total += float(self.step(xs[start:start + BATCH], ys[start:start + BATCH]))
        return total

    def predict(self, x):
        return np.concatenate([self.forward(x[s:s + PREDICT_BATCH])[0] for s in range(0, len(x), PREDICT_BATCH)])


def numpy_fit(model, x, y):
    def run():
        model.epoch(x, y)
        return -(-len(x) // BATCH)
    return run


def numpy_predict(model, x):
    def run():
        model.predict(x)
        return len(x)
    return run


# --------------------------------------------------------------------------- PyTorch

def torch_mlp():
    import torch
    from torch import nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(100, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def torch_cnn():
    import torch
    from torch import nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


def torch_tensors(x, labels, channels_first=False):
    """The data as tensors, prepared once, as a PyTorch user would (images NCHW)."""
    import torch
    tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2) if channels_first else x))
    return tx, torch.from_numpy(labels.astype(np.int64))


def torch_fit(model, optimizer, tx, ty):
    import torch
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(tx)

    def run():
        model.train()
        order = torch.randperm(n)
        total = 0.0
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(tx[idx]), ty[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
        return -(-n // BATCH)
    return run


def torch_predict(model, tx):
    import torch

    def run():
        model.eval()
        with torch.inference_mode():
            torch.cat([torch.softmax(model(tx[s:s + PREDICT_BATCH]), dim=1)
                       for s in range(0, len(tx), PREDICT_BATCH)]).numpy()
        return len(tx)
    return run


# ----------------------------------------------------------------------------- Keras

def keras_mlp():
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(100,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def keras_cnn():
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def keras_fit(model, x, y):
    def run():
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        return -(-len(x) // BATCH)
    return run


def keras_predict(model, x):
    def run():
        model.predict(x, batch_size=PREDICT_BATCH, verbose=0)
        return len(x)
    return run

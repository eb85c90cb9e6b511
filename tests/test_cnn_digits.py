"""Acceptance: a small CNN learns the package's own image set.

Conv2D-MaxPooling2D-Conv2D-MaxPooling2D-Flatten-Dense, trained with fit on digits
rendered from the training fonts and tested on fonts it has never seen.
Measured on 2 cores: about 15 s of CPU time for the 5 epochs; test accuracy 0.974.
"""
import numpy as np

from learnnet import datasets, utils
from learnnet.layers import Conv2D, Dense, Flatten, MaxPooling2D
from learnnet.models import Sequential
from learnnet.optimizers import Adam


def test_small_cnn_reaches_95_percent_on_unseen_fonts_of_the_digit_images():
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(n_per_class=200, n_test_per_class=100, seed=0)
    utils.set_random_seed(0)
    model = Sequential([
        Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(),
        Conv2D(16, 3, activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"
    assert np.argmax(model.predict(x_test[:5], verbose=0), axis=1).shape == (5,)

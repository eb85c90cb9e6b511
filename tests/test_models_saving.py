"""model.save / load_model / save_weights / load_weights: one file, exact round trips, clear errors."""
import json
import os
import zipfile

import numpy as np
import pytest

from learnnet import optimizers, utils
from learnnet.layers import Add, BatchNormalization, Dense, Dropout, Input
from learnnet.models import Model, Sequential, load_model


def trained_mlp():
    utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)]
    model = Sequential([Dense(16, input_dim=10, activation="relu"), BatchNormalization(), Dropout(0.2),
                        Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x, y


def test_save_and_load_round_trip_architecture_weights_and_compile_settings(tmp_path):
    model, x, y = trained_mlp()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is Sequential and loaded.name == model.name
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "BatchNormalization", "Dropout", "Dense"]
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert type(loaded.optimizer) is optimizers.Adam and loaded.optimizer.learning_rate == 0.01
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_training_continues_exactly_after_loading(tmp_path):
    model, x, y = trained_mlp()
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    for m in (model, loaded):
        utils.set_random_seed(5)           # the same shuffles and dropout masks for both
        m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_functional_models_with_shared_layers_round_trip(tmp_path):
    x = Input((4,), name="x")
    shared = Dense(4, activation="tanh", name="shared")
    out = Dense(2, name="out")(Add()([shared(x), shared(shared(x))]))
    model = Model(x, out, name="graph")
    model.save(tmp_path / "graph.keras")
    loaded = load_model(tmp_path / "graph.keras")
    data = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_array_equal(model.predict(data, verbose=0), loaded.predict(data, verbose=0))
    assert len(loaded.get_layer("shared")._inbound_nodes) == 3 and not loaded.compiled


def test_save_weights_and_load_weights(tmp_path):
    model, x, _ = trained_mlp()
    model.save_weights(tmp_path / "mlp.weights.h5")
    fresh = Sequential([Dense(16, input_dim=10, activation="relu"), BatchNormalization(), Dropout(0.2),
                        Dense(3, activation="softmax")])
    fresh.load_weights(tmp_path / "mlp.weights.h5")
    np.testing.assert_array_equal(model.predict(x, verbose=0), fresh.predict(x, verbose=0))
    with pytest.raises(ValueError, match="weights only"):
        load_model(tmp_path / "mlp.weights.h5")


def test_the_file_is_a_zip_of_json_and_numpy_arrays(tmp_path):
    model, _, _ = trained_mlp()
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.npz", "optimizer.npz"]
        metadata = json.loads(archive.read("metadata.json"))
        assert metadata["format"] == "learnnet" and metadata["weight_names"][:2] == ["dense.kernel", "dense.bias"]


def test_writes_are_atomic_and_overwrite_is_respected(tmp_path):
    model, _, _ = trained_mlp()
    path = tmp_path / "model.keras"
    model.save(path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    assert os.listdir(tmp_path) == ["model.keras"]       # no temporary file left behind

    class Boom(Exception):
        pass

    def fail(*args):
        raise Boom()
    before = path.read_bytes()
    original = model.get_weights
    model.get_weights = fail
    with pytest.raises(Boom):
        model.save(path)
    model.get_weights = original
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.keras"]


def test_truncated_or_foreign_files_get_an_error_naming_the_file(tmp_path):
    model, _, _ = trained_mlp()
    good = tmp_path / "model.keras"
    model.save(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValueError, match="truncated.keras"):
        load_model(truncated)
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="notes.keras.*not a zip"):
        load_model(text)
    foreign = tmp_path / "keras_made.keras"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.0"}))
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="keras_made.keras.*written by Keras 3.15.0"):
        load_model(foreign)
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        load_model(tmp_path / "missing.keras")


def test_weights_of_another_architecture_are_refused_without_changing_the_model(tmp_path):
    model, _, _ = trained_mlp()
    model.save_weights(tmp_path / "mlp.weights.npz")
    other = Sequential([Dense(5, input_dim=10), Dense(3)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="mlp.weights.npz.*do not fit"):
        other.load_weights(tmp_path / "mlp.weights.npz")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_file_names_follow_kerass_rules(tmp_path):
    model, _, _ = trained_mlp()
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "model.npz")


def test_every_kind_of_layer_round_trips(tmp_path):
    from learnnet import layers as L
    model = Sequential([L.Input((8, 8, 2)), L.Conv2D(4, 3, activation="relu", padding="same"),
                        L.BatchNormalization(), L.MaxPooling2D(), L.AveragePooling2D(), L.Dropout(0.1), L.Flatten(),
                        L.Reshape((16, 1)), L.Flatten(), L.Dense(3, activation="softmax", kernel_regularizer="l2")])
    x = L.Input((4, 4, 3))
    pooled = L.GlobalAveragePooling2D()(x)
    graph = Model(x, L.Dense(2)(L.Concatenate()([pooled, L.Activation("tanh")(pooled)])))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    images = rng.normal(size=(8, 8, 8, 2))
    model.fit(images, np.eye(3)[np.arange(8) % 3], epochs=2, verbose=0)
    for m, data in ((model, images), (graph, rng.normal(size=(2, 4, 4, 3)))):
        m.save(tmp_path / f"{m.name}.keras")
        loaded = load_model(tmp_path / f"{m.name}.keras")
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in m.layers]
        np.testing.assert_array_equal(m.predict(data, verbose=0), loaded.predict(data, verbose=0))


def test_a_compiled_but_untrained_model_round_trips(tmp_path):
    model = Sequential([Dense(3, input_dim=2)])
    model.compile("adam", "mse")
    model.fit(np.zeros((4, 2)), np.zeros((4, 3)), epochs=0, verbose=0)
    model.save(tmp_path / "fresh.keras")
    loaded = load_model(tmp_path / "fresh.keras")
    assert loaded.optimizer.iterations == 0
    loaded.fit(np.ones((4, 2)), np.ones((4, 3)), verbose=0)
    assert loaded.optimizer.iterations == 1

"""model.summary(): Keras 3's table, character for character (the expected texts are Keras's output)."""
import numpy as np
import pytest

from learnnet.layers import Concatenate, Dense, Input
from learnnet.models import Model, Sequential
from learnnet.models.summary import readable_size, summary_text

MLP_SUMMARY = '''\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 64)                  │           6,464 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_1 (Dense)                      │ (None, 32)                  │           2,080 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_2 (Dense)                      │ (None, 10)                  │             330 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 8,874 (34.66 KB)
 Trainable params: 8,874 (34.66 KB)
 Non-trainable params: 0 (0.00 B)
'''

WRAPPED_SUMMARY = '''\
Model: "wrap"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ first_input_with_long_name    │ (None, 4)                 │               0 │ -                          │
│ (InputLayer)                  │                           │                 │                            │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ second_input_with_long_name   │ (None, 4)                 │               0 │ -                          │
│ (InputLayer)                  │                           │                 │                            │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ third (InputLayer)            │ (None, 4)                 │               0 │ -                          │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ concatenate_everything_toget… │ (None, 12)                │               0 │ first_input_with_long_nam… │
│ (Concatenate)                 │                           │                 │ second_input_with_long_na… │
│                               │                           │                 │ third[0][0]                │
└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
'''


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """The expected texts are Keras's at its full width (88, or 108 with "Connected to")."""
    monkeypatch.setenv("COLUMNS", "200")


def course_mlp():
    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def test_the_course_mlp_summary_is_kerass(capsys):
    course_mlp().summary()
    assert capsys.readouterr().out == MLP_SUMMARY


def test_print_fn_receives_the_text_and_summary_text_returns_it():
    model = course_mlp()
    received = []
    model.summary(print_fn=received.append)
    assert received == [MLP_SUMMARY] and summary_text(model) == MLP_SUMMARY


def test_after_training_the_optimizer_state_is_counted_as_keras_does():
    model = course_mlp()
    model.compile("adam", "categorical_crossentropy")
    model.fit(np.zeros((4, 100)), np.eye(10)[:4], verbose=0)
    assert summary_text(model).splitlines()[-4:] == [
        " Total params: 26,624 (104.00 KB)",
        " Trainable params: 8,874 (34.66 KB)",
        " Non-trainable params: 0 (0.00 B)",
        " Optimizer params: 17,750 (69.34 KB)",   # Adam's two running means, the step and the learning rate
    ]


def test_a_graph_gets_the_connected_to_column_and_long_names_wrap_as_in_keras():
    a, b, c = Input((4,), name="first_input_with_long_name"), Input((4,), name="second_input_with_long_name"), \
        Input((4,), name="third")
    model = Model([a, b, c], Concatenate(name="concatenate_everything_together")([a, b, c]), name="wrap")
    assert summary_text(model) == WRAPPED_SUMMARY


def test_an_unbuilt_model_shows_question_marks():
    text = summary_text(Sequential([Dense(4), Dense(2)]))
    assert "│ dense (Dense)                        │ ?                           │     0 (unbuilt) │" in text


def test_frozen_layers_count_as_non_trainable_and_layer_range_selects_rows():
    model = course_mlp()
    model.layers[0].trainable = False
    text = summary_text(model, layer_range=("dense_1", "dense_2"))
    assert " Trainable params: 2,410 (9.41 KB)" in text and " Non-trainable params: 6,464 (25.25 KB)" in text
    assert "dense (Dense)" not in text and "dense_1 (Dense)" in text


def test_sizes_read_like_keras():
    assert readable_size(0) == "0.00 B" and readable_size(35496) == "34.66 KB" and readable_size(3 * 2**20) == "3.00 MB"


def test_the_table_fits_the_terminal_as_in_keras(monkeypatch):
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=(80, 24): __import__("os").terminal_size((80, 24)))
    assert {len(line) for line in summary_text(course_mlp()).splitlines()[1:10]} == {76}

"""The course outline's two Keras examples run against learnnet with only the import lines changed.

The examples are kept below exactly as the seed document (section 4) prints them; the
test rewrites their import lines (``tensorflow.keras`` -> ``learnnet``) and nothing else,
except what the test must do differently for the second example (see there).
"""
import numpy as np
import pytest

from learnnet import utils

MLP_EXAMPLE = """\
import tensorflow as tf
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
# 创建一个简单的神经网络
model = Sequential()
model.add(Dense(64, input_dim=100, activation='relu'))
model.add(Dense(32, activation='relu'))
model.add(Dense(10, activation='softmax'))
# 编译模型
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
# 训练模型
model.fit(X_train, y_train, epochs=10, batch_size=32)
"""

VGG16_EXAMPLE = """\
from tensorflow.keras.applications import VGG16
from tensorflow.keras.preprocessing.image import ImageDataGenerator
from tensorflow.keras.models import Model
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.optimizers import Adam
# 加载预训练模型
base_model = VGG16(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
# 添加自定义层
x = base_model.output
x = Flatten()(x)
x = Dense(1024, activation='relu')(x)
x = Dense(512, activation='relu')(x)
output = Dense(10, activation='softmax')(x)
# 创建新的模型
model = Model(inputs=base_model.input, outputs=output)
# 编译模型
model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.0001), metrics=['accuracy'])
# 训练模型
model.fit(X_train, y_train, epochs=10, batch_size=32)
"""


def to_learnnet(code):
    """Rewrite the import lines for learnnet; every other line stays as it is."""
    out = []
    for line in code.splitlines():
        if line.startswith(("import ", "from ")):
            line = line.replace("import tensorflow as tf", "import learnnet as tf")
            line = line.replace("tensorflow.keras", "learnnet")
        out.append(line)
    return "\n".join(out) + "\n"


def only_imports_changed(original, translated):
    return all(a == b or a.startswith(("import ", "from "))
               for a, b in zip(original.splitlines(), translated.splitlines()))


def labelled_data(n, shape, seed=0):
    """Inputs with labels a network can learn (the class is a linear function of the input)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n,) + shape).astype(np.float32)
    w = rng.normal(size=(int(np.prod(shape)), 10))
    labels = np.argmax(x.reshape(n, -1) @ w, axis=1)
    return x, utils.to_categorical(labels, 10)


def test_the_mlp_example_runs_with_only_the_imports_changed(capsys):
    code = to_learnnet(MLP_EXAMPLE)
    assert only_imports_changed(MLP_EXAMPLE, code) and "tensorflow" not in code
    utils.set_random_seed(0)
    X_train, y_train = labelled_data(640, (100,))
    namespace = {"X_train": X_train, "y_train": y_train}
    exec(code, namespace)
    model = namespace["model"]
    history = model.history.history
    assert list(history) == ["accuracy", "loss"] and len(history["loss"]) == 10
    assert history["loss"][-1] < history["loss"][0] / 2 and history["accuracy"][-1] > 0.6
    assert model.count_params() == 8874
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/10\n20/20 ━━━━━━━━━━━━━━━━━━━━ ") and out.count("Epoch ") == 10


def test_the_vgg16_examples_image_generator_import_works_verbatim():
    line = next(text for text in VGG16_EXAMPLE.splitlines() if "ImageDataGenerator" in text)
    assert to_learnnet(line) == "from learnnet.preprocessing.image import ImageDataGenerator\n"
    namespace = {}
    exec(to_learnnet(line), namespace)
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype(np.float32)
    batch_x, batch_y = next(iter(namespace["ImageDataGenerator"](horizontal_flip=True).flow(x, np.arange(4))))
    assert batch_x.shape == (4, 8, 8, 3) and sorted(batch_y) == [0, 1, 2, 3]


def test_the_vgg16_transfer_example_runs_with_only_the_imports_changed():
    applications = pytest.importorskip("learnnet.applications")
    if not hasattr(applications, "VGG16"):
        pytest.skip("learnnet.applications.VGG16 is not written yet")
    code = to_learnnet(VGG16_EXAMPLE)
    assert only_imports_changed(VGG16_EXAMPLE, code) and "tensorflow" not in code
    # What the test changes, and why: no downloaded ImageNet weights and small images keep it fast
    # (weights=None, 32x32); and it freezes the base, as the seed's FAQ 8.3 says transfer learning does.
    code = code.replace("weights='imagenet', include_top=False, input_shape=(224, 224, 3)",
                        "weights=None, include_top=False, input_shape=(32, 32, 3)")
    build, train = code.split("# 编译模型")
    utils.set_random_seed(0)
    X_train, y_train = labelled_data(16, (32, 32, 3))
    namespace = {"X_train": X_train, "y_train": y_train}
    exec(build, namespace)
    base_model, model = namespace["base_model"], namespace["model"]
    for layer in base_model.layers:
        layer.trainable = False
    frozen = base_model.get_weights()
    head = model.layers[-1].get_weights()
    exec("# 编译模型" + train.replace("epochs=10", "epochs=2"), namespace)
    for before, after in zip(frozen, base_model.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(head[0], model.layers[-1].get_weights()[0])
    assert model.history.history["loss"][-1] < model.history.history["loss"][0]

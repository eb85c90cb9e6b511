"""Ready-made models with Keras's names, and pretrained weights that ship in the package.

``VGG16`` builds the famous ImageNet network exactly as ``keras.applications.VGG16`` does
(the same layers, names and parameter counts), without its ImageNet weights: learnnet
downloads nothing, so ``weights="imagenet"`` is refused with a message saying so.

``MiniVGG`` is the same idea made small: three VGG blocks for 28x28 grayscale images,
pretrained on ``learnnet.datasets.load_digits``. Its weights ship with learnnet
(``applications/weights/mini_vgg_digits.npz``; ``scripts/train_pretrained.py`` remakes
them), so the transfer-learning recipe runs offline, as Keras users write it::

    from learnnet.applications import MiniVGG
    from learnnet.layers import Dense, Flatten
    from learnnet.models import Model
    from learnnet.optimizers import Adam

    base_model = MiniVGG(weights='digits', include_top=False, input_shape=(28, 28, 1))
    base_model.trainable = False                      # keep what it learned on digits
    x = Flatten()(base_model.output)
    x = Dense(1024, activation='relu')(x)
    x = Dense(512, activation='relu')(x)
    output = Dense(26, activation='softmax')(x)       # 26 letters
    model = Model(inputs=base_model.input, outputs=output)
    model.compile(loss='sparse_categorical_crossentropy', optimizer=Adam(lr=0.0001), metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=10, batch_size=32)

With 10 letters per class (``learnnet.datasets.load_letters(n_per_class=10,
n_test_per_class=20, seed=1)``, then ``learnnet.utils.set_random_seed(0)``) this reaches
78 % on the test letters after 10 epochs; the same network trained from scratch on the
same 260 letters reaches 29 % (56 % with a learning rate of 0.001).
``tests/test_applications.py`` checks it.

``pretrained_models()`` lists the models whose weights ship; ``pretrained_metadata()``
says how MiniVGG's were trained and how accurate they are.
"""
from ._common import pretrained_metadata, pretrained_models
from .mini_vgg import MiniVGG
from .vgg16 import VGG16

__all__ = ["VGG16", "MiniVGG", "pretrained_metadata", "pretrained_models"]

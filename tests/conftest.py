import numpy as np
import pytest

from learnnet.layers import clear_session


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts layer naming afresh (dense, dense_1, ...), as a new Keras session would."""
    clear_session()
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

import os

import numpy as np
import pytest
from hypothesis import settings

from learnnet.layers import clear_session

# In CI (.ci/run sets CI) every hypothesis test runs the same examples each time: a new run must not
# fail on a counterexample no one has seen before (one did: a sigmoid deep in saturation, see
# gradcheck.ATOL). Elsewhere each run draws new examples and keeps looking.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts layer naming afresh (dense, dense_1, ...), as a new Keras session would."""
    clear_session()
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

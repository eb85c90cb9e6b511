import numpy as np
import pytest

from learnnet import initializers, utils


@pytest.mark.parametrize(
    "name, limit_or_std, kind",
    [
        ("glorot_uniform", np.sqrt(6 / (200 + 300)), "uniform"),
        ("he_uniform", np.sqrt(6 / 200), "uniform"),
        ("lecun_uniform", np.sqrt(3 / 200), "uniform"),
        ("glorot_normal", np.sqrt(2 / (200 + 300)), "normal"),
        ("he_normal", np.sqrt(2 / 200), "normal"),
        ("lecun_normal", np.sqrt(1 / 200), "normal"),
    ],
)
def test_variance_scaling_family_follows_keras_formulas(name, limit_or_std, kind):
    w = initializers.get(name)((200, 300))
    if kind == "uniform":
        assert np.abs(w).max() <= limit_or_std
        assert np.abs(w).max() > 0.99 * limit_or_std
        np.testing.assert_allclose(w.std(), limit_or_std / np.sqrt(3), rtol=0.02)
    else:  # truncated normal keeps the target std after truncation at 2 sigma
        np.testing.assert_allclose(w.std(), limit_or_std, rtol=0.02)
        assert np.abs(w).max() <= 2 * limit_or_std / 0.87962566103423978 + 1e-7
    assert w.dtype == np.float32


def test_conv_kernel_fans_include_the_receptive_field():
    assert initializers.compute_fans((3, 3, 8, 16)) == (72, 144)
    assert initializers.compute_fans((5, 7)) == (5, 7)


def test_zeros_ones_constant_and_random_defaults():
    assert not initializers.get("zeros")((2, 2)).any()
    assert initializers.get("ones")((3,)).sum() == 3
    assert np.all(initializers.Constant(0.5)((2,)) == 0.5)
    assert np.abs(initializers.get("random_uniform")((1000,))).max() <= 0.05
    np.testing.assert_allclose(initializers.get("random_normal")((20000,)).std(), 0.05, rtol=0.03)


@pytest.mark.parametrize("cls", [initializers.GlorotUniform, initializers.HeNormal, initializers.RandomNormal,
                                 initializers.LecunUniform, initializers.RandomUniform, initializers.GlorotNormal])
def test_seeded_initializers_are_reproducible(cls):
    np.testing.assert_array_equal(cls(seed=3)((4, 5)), cls(seed=3)((4, 5)))
    assert not np.array_equal(cls(seed=3)((4, 5)), cls(seed=4)((4, 5)))
    gen_a, gen_b = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(cls(seed=gen_a)((3,)), cls(seed=gen_b)((3,)))


def test_global_seed_makes_unseeded_initializers_reproducible():
    utils.set_random_seed(42)
    a = initializers.get("glorot_uniform")((3, 3))
    utils.set_random_seed(42)
    b = initializers.get("glorot_uniform")((3, 3))
    np.testing.assert_array_equal(a, b)


def test_float64_on_request():
    assert initializers.HeNormal(seed=0)((2, 2), dtype="float64").dtype == np.float64


def test_unknown_initializer_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names.*glorot_uniform"):
        initializers.get("glorot")


def test_serialize_round_trip():
    init = initializers.RandomNormal(mean=1.0, stddev=2.0, seed=5)
    twin = initializers.deserialize(initializers.serialize(init))
    np.testing.assert_array_equal(twin((3,)), initializers.RandomNormal(mean=1.0, stddev=2.0, seed=5)((3,)))

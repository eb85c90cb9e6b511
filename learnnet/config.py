"""Global settings: the default float type, as ``keras.config.floatx``.

learnnet computes in float32 by default, like Keras. float64 works everywhere
(``gradcheck`` uses it) : ``set_floatx("float64")`` or ``dtype="float64"`` on a layer.
"""
_FLOATX = "float32"


def floatx():
    """The default float type of new layers: ``"float32"`` unless changed."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type of new layers (``"float16"``, ``"float32"`` or ``"float64"``)."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}; expected 'float16', 'float32' or 'float64'.")
    _FLOATX = value

"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

::

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
    │ dense (Dense)                        │ (None, 64)                  │           6,464 │
    ├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
    ...
     Total params: 8,874 (34.66 KB)
     Trainable params: 8,874 (34.66 KB)
     Non-trainable params: 0 (0.00 B)

Param # of a Dense layer is ``in * units + units`` (kernel and bias): 100 * 64 + 64 = 6,464.
As in Keras, the table is 88 characters wide (108 with "Connected to"), or narrower to fit
the terminal; Python assumes 80 columns where there is none (Jupyter), so there it is 76.
The sizes count 4 bytes per float32 number. A model whose graph is not a simple chain
gets a fourth column, "Connected to": ``dense[0][0]`` is the first output tensor of the
first call of layer ``dense``. Once the optimizer has state (after training), its
numbers are added as "Optimizer params", as Keras counts them.
"""
import re
import shutil


def summary_text(model, line_length=None, positions=None, expand_nested=False, show_trainable=False,
                 layer_range=None):
    """The summary as a string (what ``model.summary()`` prints)."""
    from .sequential import Sequential

    sequential_like = isinstance(model, Sequential) or _is_chain(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #", "Connected to"], ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, align = header + ["Trainable"], align + ["center"]
    if line_length is None:
        # As Keras: no wider than the terminal (where there is none, as in Jupyter, Python assumes 80 columns).
        line_length = min(default_length, shutil.get_terminal_size().columns - 4)
    widths = _column_widths(line_length, positions)

    model_nodes = set(model._nodes) | {t.node for t in model.inputs}
    rows = []

    def add_rows(layer, level):
        name = ("   " * level + "└ " if level else "") + f"{layer.name} ({_type_name(layer)})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [name, _output_shape(layer), params]
        if not sequential_like:
            row.append(_connections(layer, model_nodes))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)
        if expand_nested and getattr(layer, "layers", None):
            for inner in layer.layers:
                add_rows(inner, level + 1)

    layers = model.layers
    start, stop = _layer_range(layers, layer_range)
    for layer in layers[start:stop]:
        add_rows(layer, 0)

    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    trainable_count, non_trainable_count = _count(trainable), _count(non_trainable)
    trainable_bytes, non_trainable_bytes = _bytes(trainable), _bytes(non_trainable)
    optimizer = model.optimizer if model.compiled else None
    optimizer_built = optimizer is not None and (optimizer.iterations > 0 or len(optimizer.variables) > 0)
    # Keras's optimizers also count two scalars: the step counter and the learning rate.
    optimizer_count = _count(optimizer.variables) + 2 if optimizer_built else 0
    optimizer_bytes = _bytes(optimizer.variables) + 8 if optimizer_built else 0

    lines = [f'Model: "{model.name}"']
    lines += _table(header, align, widths, rows)
    lines.append(f" Total params: {trainable_count + non_trainable_count + optimizer_count:,} "
                 f"({readable_size(trainable_bytes + non_trainable_bytes + optimizer_bytes)})")
    lines.append(f" Trainable params: {trainable_count:,} ({readable_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {non_trainable_count:,} ({readable_size(non_trainable_bytes)})")
    if optimizer_built:
        lines.append(f" Optimizer params: {optimizer_count:,} ({readable_size(optimizer_bytes)})")
    return "\n".join(lines) + "\n"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print the summary, or hand the whole text to ``print_fn``."""
    text = summary_text(model, line_length=line_length, positions=positions, expand_nested=expand_nested,
                        show_trainable=show_trainable, layer_range=layer_range)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


def readable_size(n_bytes):
    """``35496`` -> ``"34.66 KB"`` (powers of 1024, as Keras)."""
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def _count(arrays):
    return int(sum(a.size for a in {id(a): a for a in arrays}.values()))


def _bytes(arrays):
    return float(sum(a.nbytes for a in {id(a): a for a in arrays}.values()))


def _type_name(layer):
    from .functional import Model
    return "Functional" if type(layer) is Model else type(layer).__name__


def _is_chain(model):
    """True if the graph is a plain chain: one call per depth, one input per call, no shared layer."""
    depths = {}
    for node, depth in model._node_depth.items():
        depths[depth] = depths.get(depth, 0) + 1
        if len(node.input_tensors) > 1:
            return False
    if any(count > 1 for count in depths.values()):
        return False
    layers = [node.layer for node in model._node_depth]
    return len(layers) == len(set(layers))


def _format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _output_shape(layer):
    """The shape of the layer's (last) call's output, as Keras shows it."""
    if layer._inbound_nodes:
        shapes = [t.shape for t in layer._inbound_nodes[-1].output_tensors]
        returns_list = layer._inbound_nodes[-1].returns_list
    elif layer.built and layer.input_shape is not None:
        out = layer.compute_output_shape(layer.input_shape)
        returns_list = bool(out) and isinstance(out[0], (tuple, list))
        shapes = list(out) if returns_list else [out]
    else:
        return "?"
    if not returns_list:
        return _format_shape(shapes[0])
    return "[" + ", ".join(_format_shape(s) for s in shapes) + "]"


def _connections(layer, model_nodes):
    parts = []
    for node in layer._inbound_nodes:
        if node not in model_nodes:
            continue
        for t in node.input_tensors:
            source, node_index, tensor_index = t._keras_history
            parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(s, str) for s in layer_range):
        raise ValueError(f"layer_range must be a list or tuple of 2 strings (first and last layer names). "
                         f"Received: layer_range = {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


# ------------------------------------------------------------------- the table ----

def _column_widths(line_length, positions):
    """Each column's width on screen, padding included, laid out as Keras's (rich) table does.

    Column ``i`` is asked for ``positions[i] * line_length`` minus the columns before it,
    plus one space of padding on each side; the borders take one character per column
    plus one. What does not fit is taken evenly from every column.
    """
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2)
        current += width
    excess = sum(widths) - (line_length - len(widths) - 1)
    remaining = len(widths)
    for i in range(len(widths)):
        if excess <= 0:
            break
        cut = min(widths[i], round(excess / remaining))
        widths[i] -= cut
        excess -= cut
        remaining -= 1
    return widths


def _wrap(text, width):
    """Break ``text`` into lines of at most ``width`` characters, at spaces, as rich (Keras's table
    printer) does: a word too long for any line gets a line of its own, cut with an ellipsis."""
    lines, line = [], ""
    for word in re.findall(r"\s*\S+\s*", text):
        if line and len(line) + len(word.rstrip()) > width:
            lines.append(line)
            line = ""
        line += word
    lines.append(line)
    lines = [line.rstrip() for line in lines]
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def _justify(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def _table(header, align, widths, rows):
    inner = [w - 2 for w in widths]

    def row_lines(cells, bar):
        wrapped = [_wrap(cell, w) for cell, w in zip(cells, inner)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = [" " + _justify(w[k] if k < len(w) else "", cw, a) + " " for w, cw, a in zip(wrapped, inner, align)]
            out.append(bar + bar.join(parts) + bar)
        return out

    lines = ["┏" + "┳".join("━" * w for w in widths) + "┓"]
    lines += row_lines(header, "┃")
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        if i:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
        lines += row_lines(row, "│")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return lines

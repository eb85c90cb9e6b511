r"""``Model``: a network as a graph of layer calls, and backpropagation through that graph.

Build it by calling layers on ``Input`` tensors (see ``learnnet.layers.input_layer``)::

    inputs = Input(shape=(16,))
    h = Dense(16, activation="relu")(inputs)
    h = Add()([inputs, Dense(16)(h)])          # a skip connection: two paths meet
    outputs = Dense(3, activation="softmax")(h)
    model = Model(inputs, outputs)

Each layer call was recorded as a *node*. The model walks back from its outputs to
its inputs and sorts the nodes so that every node comes after the nodes feeding it
(a topological order). Then:

**Forward**: run the nodes in that order. Each node reads the arrays of its input
tensors and stores the array of its output tensor::

    values[output] = layer.forward(values[input])

**Backward**: run the nodes in reverse. A tensor used by several nodes (``inputs``
above feeds both ``Dense`` and ``Add``) influences the loss along each path, so by
the chain rule its gradient is the *sum* of the gradients coming back along them::

    dL/d(input) += layer.backward(dL/d(output))      for every node that reads it

A layer called at two nodes (a *shared* layer) has one set of weights used twice;
its weight gradient is likewise the sum over its calls. Since ``layer.backward``
reads the cache of the *last* ``forward``, the model keeps each node's cache and
hands it back to the layer before calling ``backward`` for that node.

A ``Model`` is itself a ``Layer``: it can be called on tensors inside a bigger model,
and ``model.forward``/``model.backward`` work as for any layer.
"""
import numpy as np

from .._checks import as_float_array
from ..layers.base import Layer, unique_name
from ..layers.input_layer import InputLayer, SymbolicTensor
from .training import Trainer


class Model(Trainer, Layer):
    """A functional model: the graph of layer calls from ``inputs`` to ``outputs``.

    Args:
        inputs: an ``Input`` tensor or a list of them.
        outputs: a tensor (made by calling layers on ``inputs``) or a list of them.
        name: the model's name; by default ``functional``, ``functional_1``...

    Attributes:
        layers: the layers, inputs first (as Keras orders them: by depth in the graph).
        inputs, outputs: lists of symbolic tensors; ``input``/``output`` for a single one.
    """

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True):
        if inputs is None or outputs is None:
            raise TypeError(
                "Model(inputs, outputs) builds a model from symbolic tensors: inputs = Input(shape=(100,)), "
                "then outputs = Dense(10)(inputs), then Model(inputs, outputs). For a plain stack of layers, "
                "use Sequential([...])."
            )
        self._init_model(name or unique_name("functional"), trainable)
        self._set_graph(inputs, outputs)

    def _init_model(self, name, trainable):
        """State every model has (Sequential calls this too)."""
        self._layers = []
        self._nodes = []          # the layer calls to run, in topological order
        self._shared = {}         # node -> the shared layers it uses (their gradients are summed)
        self._node_depth = {}
        self._leaves = None       # the layers that hold weights, models unrolled (cached)
        self.inputs, self.outputs = [], []
        self._inputs_are_list = self._outputs_are_list = False
        self._free_input_sizes = False   # an input size other than the batch left as None
        Layer.__init__(self, name=name, trainable=trainable)
        self._init_training()

    # ------------------------------------------------------------------ graph
    def _set_graph(self, inputs, outputs):
        self._inputs_are_list = isinstance(inputs, (list, tuple))
        self._outputs_are_list = isinstance(outputs, (list, tuple))
        ins = list(inputs) if self._inputs_are_list else [inputs]
        outs = list(outputs) if self._outputs_are_list else [outputs]
        for what, tensors in (("inputs", ins), ("outputs", outs)):
            for t in tensors:
                if not isinstance(t, SymbolicTensor):
                    raise TypeError(
                        f"Model `{what}` must be symbolic tensors, made by Input(...) and by calling layers on them; "
                        f"received {type(t).__name__}. Arrays go to fit/predict, not to Model(...)."
                    )
        if not ins or not outs:
            raise ValueError("A model needs at least one input and one output tensor.")
        nodes, layers, self._node_depth = map_graph(ins, outs)
        self.inputs, self.outputs = ins, outs
        self._free_input_sizes = any(None in t.shape[1:] for t in ins)
        self._nodes = [n for n in nodes if not n.is_input]
        self._layers = layers
        self._leaves = None
        self._shared = _shared_leaves(self._nodes)
        shapes = [t.shape for t in ins]
        self.input_shape = shapes if self._inputs_are_list else shapes[0]
        self.dtype = ins[0].dtype
        self.built = True

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input(self):
        """The input tensor (a list for a model with several inputs)."""
        self._require_built("input")
        return list(self.inputs) if self._inputs_are_list else self.inputs[0]

    @property
    def output(self):
        """The output tensor (a list for a model with several outputs)."""
        self._require_built("output")
        return list(self.outputs) if self._outputs_are_list else self.outputs[0]

    @property
    def output_shape(self):
        self._require_built("output_shape")
        shapes = [t.shape for t in self.outputs]
        return shapes if self._outputs_are_list else shapes[0]

    def _require_built(self, what):
        if not self.built:
            raise ValueError(
                f"Model '{self.name}' has no `{what}` yet: it has not been built. Give the first layer an input "
                "shape (Input(shape=...) or input_dim=...), or call it on a batch of data first."
            )

    def compute_output_shape(self, input_shape):
        batch = (input_shape[0] if not self._inputs_are_list else input_shape[0][0])
        shapes = [(batch,) + tuple(t.shape[1:]) for t in self.outputs]
        return shapes if self._outputs_are_list else shapes[0]

    def build(self, input_shape):
        """A functional model is built when it is made."""

    def get_layer(self, name=None, index=None):
        """A layer by name (``model.get_layer("dense_1")``) or by position in ``model.layers``."""
        layers = self.layers
        if index is not None:
            if name is not None:
                raise ValueError("Provide only a layer name or a layer index. "
                                 f"Received: index={index}, name={name}.")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        import difflib
        close = difflib.get_close_matches(str(name), [l.name for l in layers], n=1)
        raise ValueError(f"No such layer: {name}." + (f" Did you mean {close[0]!r}?" if close else "")
                         + f" Existing layers are: {[l.name for l in layers]}.")

    # ------------------------------------------------------- forward, backward
    def forward(self, inputs, training=False):
        """Run every layer call in topological order; return the output array(s).

        Each node's cache is kept (in ``self.cache``), so ``backward`` can hand it back
        to its layer, even when a layer is called at several nodes.
        """
        if not self.built:
            self._build_from_data(inputs)
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' has {len(self.inputs)} inputs "
                             f"({[t.name for t in self.inputs]}); received {len(xs)} arrays.")
        values = dict(zip(self.inputs, xs))           # tensor -> its array in this pass
        caches = []
        for node in self._nodes:
            if node.takes_list:
                out = node.layer.forward([values[t] for t in node.input_tensors], training=training)
            else:
                out = node.layer.forward(values[node.input_tensors[0]], training=training)
            caches.append(node.layer.cache)
            if node.returns_list:
                values.update(zip(node.output_tensors, out))
            else:
                values[node.output_tensors[0]] = out
        self.cache = caches
        outs = [values[t] for t in self.outputs]
        return outs if self._outputs_are_list else outs[0]

    def backward(self, upstream_grad):
        """Backpropagate dL/d(outputs) through the graph; return dL/d(inputs).

        Fills every layer's ``grads`` (summed over the calls of a shared layer).
        An input no gradient reaches gets ``None``.
        """
        return self._backpropagate(upstream_grad, skip=())

    def _backpropagate(self, upstream_grad, skip, from_z=frozenset(), data_nodes=frozenset()):
        """Backward through the nodes in reverse order, except those in ``skip``
        (training leaves out frozen parts that nothing trainable depends on). For the nodes
        in ``from_z`` the upstream gradient is already dL/dz, past the activation
        (``fit``'s softmax + cross-entropy shortcut): they start at ``backward_from_z``.
        The layers of ``data_nodes`` read only the model's input, whose gradient ``fit`` does
        not need: they are told so (``input_gradient_needed``) for their call."""
        if self.cache is None:
            raise RuntimeError(f"Model '{self.name}' has nothing to backpropagate: call forward first.")
        upstream = list(upstream_grad) if self._outputs_are_list else [upstream_grad]
        grads = {}                                    # tensor -> dL/d(tensor), summed over its uses
        for t, g in zip(self.outputs, upstream):
            _add_grad(grads, t, g)
        shared_sums = {}                              # shared layer -> {weight name: summed gradient}
        for node, cache in zip(reversed(self._nodes), reversed(self.cache)):
            if node.returns_list:
                out_grads = [grads.pop(t, None) for t in node.output_tensors]
                reached = any(g is not None for g in out_grads)
            else:
                out_grads = grads.pop(node.output_tensors[0], None)
                reached = out_grads is not None
            if not reached or node in skip:
                continue                              # nothing that is trained depends on this call
            node.layer.cache = cache                  # this call's cache (a shared layer has one per call)
            backward = node.layer.backward_from_z if node in from_z else node.layer.backward
            node.layer.input_gradient_needed = node not in data_nodes
            try:
                in_grads = backward(out_grads)
            finally:
                node.layer.input_gradient_needed = True
            for leaf in self._shared.get(node, ()):
                _sum_weight_grads(shared_sums, leaf)
            for t, g in zip(node.input_tensors, in_grads if node.takes_list else [in_grads]):
                if g is not None:
                    _add_grad(grads, t, g)
        for leaf, sums in shared_sums.items():
            leaf.grads = sums
        in_grads = [grads.get(t) for t in self.inputs]
        return in_grads if self._inputs_are_list else in_grads[0]

    # ----------------------------------------------------------------- weights
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """``model.trainable = False`` freezes every layer inside (as in Keras); ``True`` unfreezes them all."""
        self._trainable = bool(value)
        for layer in getattr(self, "_layers", ()):
            layer.trainable = value

    def _leaf_layers(self):
        """Every layer that can hold weights, nested models unrolled, each once, in Keras's weight order."""
        if self._leaves is None:
            leaves, seen = [], set()
            for layer in self._layers:
                for leaf in (layer._leaf_layers() if isinstance(layer, Model) else [layer]):
                    if id(leaf) not in seen and not isinstance(leaf, InputLayer):
                        seen.add(id(leaf))
                        leaves.append(leaf)
            self._leaves = leaves
        return self._leaves

    def _trainable_leaves(self):
        """The layers whose trainable weights the optimizer updates (none inside a frozen model)."""
        if not self.trainable:
            return []
        leaves, seen = [], set()
        for layer in self._layers:
            if isinstance(layer, Model):
                found = layer._trainable_leaves()
            else:
                found = [layer] if layer.trainable and layer._names(True) else []
            for leaf in found:
                if id(leaf) not in seen:
                    seen.add(id(leaf))
                    leaves.append(leaf)
        return leaves

    @property
    def weights(self):
        """All weight arrays (the arrays themselves), layer by layer, trainable ones first in each."""
        return [w for leaf in self._leaf_layers() for w in leaf.weights]

    @property
    def trainable_weights(self):
        return [getattr(leaf, n) for leaf in self._trainable_leaves() for n in leaf._names(True)]

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def grads_and_vars(self):
        """``[(gradient, weight), ...]`` for every trainable weight, from the last ``backward``."""
        return [(leaf.grads.get(n), getattr(leaf, n)) for leaf in self._trainable_leaves() for n in leaf._names(True)]

    def get_weights(self):
        """Copies of all weights (trainable and not), in Keras's order: ``model.set_weights`` takes them back."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        """Replace all weights, given in ``get_weights`` order. Every shape is checked first:
        a wrong list changes nothing."""
        slots = [(leaf, n) for leaf in self._leaf_layers() for n in leaf._names()]
        weights = list(weights)
        if len(weights) != len(slots):
            listing = ", ".join(f"{leaf.name}.{n} {getattr(leaf, n).shape}" for leaf, n in slots[:6])
            more = ", ..." if len(slots) > 6 else ""
            raise ValueError(f"Model '{self.name}' expects {len(slots)} weight arrays in get_weights() order "
                             f"({listing}{more}); received {len(weights)}.")
        new = []
        for (leaf, n), w in zip(slots, weights):
            w = as_float_array(w, f"weights for {leaf.name}.{n}")
            current = getattr(leaf, n)
            if w.shape != current.shape:
                raise ValueError(f"Layer '{leaf.name}' weight '{n}' has shape {current.shape}; "
                                 f"received shape {w.shape}.")
            new.append((current, w))
        for current, w in new:
            current[...] = w

    def count_params(self):
        """How many numbers the model learns or keeps (all weights, trainable or not)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on model '{self.name}', but the model isn't built. "
                             "You can build it manually via: `model.build(batch_input_shape)`.")
        return int(sum(w.size for w in self.weights))

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print Keras's table of layers, output shapes and parameter counts.

        ``print_fn`` receives the whole text instead of ``print`` (``print_fn=lines.append``
        to keep it); ``learnnet.models.summary.summary_text(model)`` returns it.
        """
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    # ------------------------------------------------------------------ config
    def get_config(self):
        """The architecture as JSON-friendly data: each layer's config and which tensors it was called on."""
        graph_nodes = set(self._nodes) | {t.node for t in self.inputs}
        for t in self.inputs:
            if not isinstance(t._keras_history[0], InputLayer):
                raise NotImplementedError("get_config needs a model whose inputs come from Input(...).")

        def index_in_model(node):   # a node's position among the layer's calls *in this model*
            return [n for n in node.layer._inbound_nodes if n in graph_nodes].index(node)

        def ref(t):
            layer, _, tensor_index = t._keras_history
            return [layer.name, index_in_model(t.node), tensor_index]

        layers = []
        for layer in self._layers:
            calls = [n for n in layer._inbound_nodes if n in graph_nodes and not n.is_input]
            layers.append({**serialize_layer(layer),
                           "inbound_nodes": [{"inputs": [ref(t) for t in n.input_tensors], "list": n.takes_list}
                                             for n in calls]})
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": [ref(t) for t in self.inputs], "output_layers": [ref(t) for t in self.outputs],
                "inputs_are_list": self._inputs_are_list, "outputs_are_list": self._outputs_are_list}

    @classmethod
    def from_config(cls, config):
        """Rebuild the model from ``get_config``: new layers, called on each other as recorded."""
        layers = {c["config"]["name"]: deserialize_layer(c) for c in config["layers"]}
        made = {}   # (layer name, call index) -> output tensors
        pending = {c["config"]["name"]: list(c["inbound_nodes"]) for c in config["layers"]}
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                made[(name, 0)] = [layer.output]
        progress = True
        while progress and any(pending.values()):
            progress = False
            for name, calls in pending.items():
                while calls and all((n, i) in made for n, i, _ in calls[0]["inputs"]):
                    call = calls.pop(0)
                    args = [made[(n, i)][k] for n, i, k in call["inputs"]]
                    out = layers[name](args if call["list"] else args[0])
                    index = sum(1 for key in made if key[0] == name)
                    made[(name, index)] = out if isinstance(out, list) else [out]
                    progress = True
        if any(pending.values()):
            raise ValueError("The model config is inconsistent: some layer calls refer to tensors that are never made.")
        ins = [made[(n, i)][k] for n, i, k in config["input_layers"]]
        outs = [made[(n, i)][k] for n, i, k in config["output_layers"]]
        model = cls(ins if config.get("inputs_are_list", len(ins) > 1) else ins[0],
                    outs if config.get("outputs_are_list", len(outs) > 1) else outs[0], name=config["name"])
        model._trainable = config.get("trainable", True)   # each layer already has its own saved flag
        return model

    # -------------------------------------------------------------------- save
    def save(self, filepath, overwrite=True):
        """Save architecture, weights and optimizer state to one ``.keras`` file (see ``learnnet.models.saving``)."""
        from .saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights alone, to a file ending in ``.weights.h5`` or ``.weights.npz``."""
        from .saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Load weights saved by ``save_weights`` (or ``save``) into this model, which must have the same layers."""
        from .saving import load_weights
        load_weights(self, filepath)

    def _build_from_data(self, inputs):
        raise ValueError(f"Model '{self.name}' is not built.")


# ---------------------------------------------------------------- graph helpers ----

def map_graph(inputs, outputs):
    """Find the nodes between ``inputs`` and ``outputs`` and order them.

    Returns ``(nodes, layers, depths)``: the nodes in topological order (a depth-first
    walk back from each output lists a node only after every node feeding it), the
    layers in Keras's order (deepest first, i.e. from the inputs; ties in the order
    the walk met them), and each node's depth (how many calls separate it from an output).
    """
    order, first_seen = [], {}
    finished, in_progress = set(), set()
    declared = {id(t) for t in inputs}

    def visit(tensor):
        node = tensor.node
        if node in finished:
            return
        if id(tensor) in declared and not node.is_input:   # a model may start from a tensor mid-graph
            finished.add(node)
            return
        if node in in_progress:
            raise ValueError(f"The graph has a cycle at layer '{node.layer.name}'.")
        first_seen.setdefault(node.layer, len(first_seen))
        in_progress.add(node)
        for t in node.input_tensors:
            visit(t)
        in_progress.discard(node)
        finished.add(node)
        order.append(node)

    for t in outputs:
        visit(t)

    # Every tensor a node reads must come from the declared inputs or from an earlier node.
    available = {id(t) for t in inputs}
    for node in order:
        if node.is_input and id(node.output_tensors[0]) not in available:
            raise ValueError(
                f"Graph disconnected: the outputs depend on Input '{node.layer.name}' of shape "
                f"{node.layer.batch_shape}, which is not among the model's `inputs`. "
                "Add it: Model(inputs=[...], outputs=...)."
            )
        available.update(id(t) for t in node.output_tensors)

    # Keras orders layers by depth: how many calls separate a node from the outputs.
    in_graph = set(order)
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[node] = depth
        for parent in node.parent_nodes:
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:   # an unused input still belongs to the model
        if t.node.is_input and t.node.layer not in layer_depth:
            layer_depth[t.node.layer], first_seen[t.node.layer] = 0, -1
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))
    return order, layers, node_depth


def _leaves_of(layer):
    return layer._leaf_layers() if isinstance(layer, Model) else [layer]


def _shared_leaves(nodes):
    """For each node, the weight-holding layers it uses that other nodes use too (their gradients are summed)."""
    counts = {}
    for node in nodes:
        for leaf in _leaves_of(node.layer):
            counts[leaf] = counts.get(leaf, 0) + 1
    shared = {}
    for node in nodes:
        found = [leaf for leaf in _leaves_of(node.layer) if counts[leaf] > 1 and leaf._names(True)]
        if found:
            shared[node] = found
    return shared


def _add_grad(grads, tensor, grad):
    """Sum the gradients reaching a tensor along all its paths (a new array: never change one in place)."""
    grads[tensor] = grad if tensor not in grads else grads[tensor] + grad


def _sum_weight_grads(sums, leaf):
    total = sums.setdefault(leaf, {})
    for name, g in leaf.grads.items():
        total[name] = g.copy() if name not in total else total[name] + g


# ------------------------------------------------------------- (de)serialization ----

def serialize_layer(layer):
    """``{"class_name": ..., "config": ...}`` for a layer or a nested model."""
    class_name = type(layer).__name__
    if type(layer) is Model:
        class_name = "Functional"   # Keras's name for a model built from inputs and outputs
    return {"class_name": class_name, "config": layer.get_config()}


def deserialize_layer(config):
    """A new layer (or model) from ``serialize_layer``'s output."""
    from .. import layers as layers_module
    from .sequential import Sequential
    name = config["class_name"]
    classes = {"Functional": Model, "Model": Model, "Sequential": Sequential, "InputLayer": InputLayer}
    cls = classes.get(name) or getattr(layers_module, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"Unknown layer class {name!r} in the model config: learnnet.layers has no such layer.")
    return cls.from_config(config["config"])

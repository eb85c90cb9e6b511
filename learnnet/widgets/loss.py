"""Lesson 04 widgets: how a loss turns "how wrong" into one number, and into a push.

- ``LossExplorer``: one prediction against one target under MSE, MAE and Huber, with each
  loss's curve and its gradient (the push back towards the target).
- ``CrossEntropyExplorer``: three logits, their softmax probabilities, the categorical
  cross-entropy and its gradient ``p - y``; why a confident mistake costs so much.

Every number shown comes from ``learnnet.losses`` and ``learnnet.activations``.
"""
import ipywidgets
import numpy as np

from .. import activations, losses
from ..plotting import HIGHLIGHT, NEGATIVE, NEUTRAL, POSITIVE
from ._base import LessonWidget

REGRESSION_COLORS = {"mse": POSITIVE, "mae": NEGATIVE, "huber": "#1b9e77"}
PREDICTION_RANGE = (-4.0, 4.0)


class LossExplorer(LessonWidget):
    """MSE, MAE and Huber for one prediction: the loss and its gradient as the prediction moves.

    Controls: ``prediction`` (the network's output ŷ), ``target`` (the true y) and ``delta``
    (Huber's switch point δ).

    Shown (readable attributes): ``error`` (ŷ - y), ``losses`` and ``gradients``, dicts keyed
    ``"mse"``, ``"mae"``, ``"huber"``, with ``loss([[y]], [[ŷ]])`` and ``loss.gradient(...)``
    from ``learnnet.losses``.
    """

    figsize = (9.0, 3.6)
    names = {"mse": "MSE  (ŷ - y)²", "mae": "MAE  |ŷ - y|", "huber": "Huber (δ: the slider)"}

    def _make_controls(self):
        style = {"description_width": "80px"}
        return {
            "prediction": ipywidgets.FloatSlider(value=1.5, min=PREDICTION_RANGE[0], max=PREDICTION_RANGE[1],
                                                 step=0.05, description="prediction ŷ", style=style),
            "target": ipywidgets.FloatSlider(value=0.0, min=-2.0, max=2.0, step=0.05, description="target y",
                                             style=style),
            "delta": ipywidgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.05, description="Huber δ",
                                            style=style),
        }

    def _draw(self):
        self.ax_loss, self.ax_grad = self.fig.subplots(1, 2)
        self.grid = np.linspace(*PREDICTION_RANGE, 321)  # predictions at which the curves are drawn
        self.curves, self.grad_curves, self.dots, self.grad_dots = {}, {}, {}, {}
        sizes = {"mse": 8, "mae": 10, "huber": 6}  # so that dots at the same place stay visible
        for key, color in REGRESSION_COLORS.items():
            (self.curves[key],) = self.ax_loss.plot([], [], color=color, lw=2, label=self.names[key])
            (self.dots[key],) = self.ax_loss.plot([], [], "o", color=color, ms=sizes[key], zorder=5)
            (self.grad_curves[key],) = self.ax_grad.plot([], [], color=color, lw=2)
            (self.grad_dots[key],) = self.ax_grad.plot([], [], "o", color=color, ms=sizes[key], zorder=5)
        self.target_lines = [ax.axvline(0, color=NEUTRAL, ls=":", lw=1.2) for ax in (self.ax_loss, self.ax_grad)]
        self.ax_grad.axhline(0, color=NEUTRAL, lw=0.8)
        self.ax_loss.set(xlim=PREDICTION_RANGE, ylim=(0, 8), xlabel="prediction ŷ", ylabel="loss")
        self.ax_loss.set_title("loss for one sample", fontsize=10)
        self.ax_grad.set(xlim=PREDICTION_RANGE, ylim=(-6.5, 6.5), xlabel="prediction ŷ", ylabel="dL/dŷ")
        self.ax_grad.set_title("gradient: the push on ŷ", fontsize=10)
        self.legend = self.ax_loss.legend(loc="upper center", fontsize=8, framealpha=0.9, edgecolor="none")
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.92, wspace=0.25)  # fixed: no layout pass
        # what _update changes is redrawn on its own, over the rest of the figure
        self.dynamic(*self.curves.values(), *self.grad_curves.values(), *self.target_lines,
                     rarely=True)  # they move only with the target and delta, not with the prediction
        self.dynamic(*self.dots.values(), *self.grad_dots.values())

    def _update(self):
        c = {k: w.value for k, w in self.controls.items()}
        self.prediction, self.target, self.delta = c["prediction"], c["target"], c["delta"]
        self.loss_objects = {"mse": losses.MeanSquaredError(), "mae": losses.MeanAbsoluteError(),
                             "huber": losses.Huber(delta=self.delta)}
        y_true, y_pred = np.array([[self.target]]), np.array([[self.prediction]])  # a batch of one sample
        self.error = self.prediction - self.target
        self.losses = {k: loss(y_true, y_pred) for k, loss in self.loss_objects.items()}
        self.gradients = {k: float(loss.gradient(y_true, y_pred)[0, 0]) for k, loss in self.loss_objects.items()}
        for key in self.loss_objects:
            self.dots[key].set_data([self.prediction], [self.losses[key]])
            self.grad_dots[key].set_data([self.prediction], [self.gradients[key]])
        if self.changed("curves", self.target, self.delta):
            targets = np.full_like(self.grid, self.target)
            for key, loss in self.loss_objects.items():
                # each grid point as its own one-sample batch: per_sample gives every loss at once
                self.curves[key].set_data(self.grid, loss.per_sample(targets, self.grid))
                self.grad_curves[key].set_data(self.grid,
                                               loss.derivative(targets[:, None], self.grid[:, None])[:, 0])
            for line in self.target_lines:
                line.set_xdata([self.target, self.target])

    def readout(self):
        lines = [f"prediction ŷ = {self.prediction:+.2f}   target y = {self.target:+.2f}   "
                 f"error ŷ - y = {self.error:+.2f}", ""]
        lines.append(f"{'':<14}{'loss':>9}{'dL/dŷ':>10}")
        for key, label in (("mse", "MSE"), ("mae", "MAE"), ("huber", f"Huber δ={self.delta:.2f}")):
            lines.append(f"{label:<14}{self.losses[key]:>9.4f}{self.gradients[key]:>+10.4f}")
        return "\n".join(lines)


CLASS_NAMES = ("cat", "dog", "bird")


class CrossEntropyExplorer(LessonWidget):
    """Logits -> softmax probabilities -> categorical cross-entropy, and its gradient on the logits.

    Controls: ``logit_cat``, ``logit_dog``, ``logit_bird`` (the network's raw scores z) and
    ``true_class``.

    Shown (readable attributes): ``logits``, ``probabilities`` (``activations.softmax``),
    ``y_true`` (one-hot), ``loss`` (``CategoricalCrossentropy(from_logits=True)``),
    ``gradient`` (its ``gradient``: ``p - y``), ``p_true`` (the probability of the true class)
    and ``predicted_class``.
    """

    figsize = (10.5, 3.6)

    def _make_controls(self):
        style = {"description_width": "80px"}
        logits = {f"logit_{name}": ipywidgets.FloatSlider(value=v, min=-6.0, max=6.0, step=0.1,
                                                          description=f"logit {name}", style=style)
                  for name, v in zip(CLASS_NAMES, (2.0, 1.0, -1.0))}
        true = ipywidgets.Dropdown(options=[(n, i) for i, n in enumerate(CLASS_NAMES)], value=0,
                                   description="true class", style=style)
        return {**logits, "true_class": true}

    def _draw(self):
        gs = self.fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.35])
        self.ax_prob = self.fig.add_subplot(gs[0])
        self.ax_grad = self.fig.add_subplot(gs[1])
        self.ax_curve = self.fig.add_subplot(gs[2])
        x = np.arange(len(CLASS_NAMES))
        self.prob_bars = self.ax_prob.bar(x, np.zeros(len(x)), color=NEUTRAL, edgecolor="#333333")
        self.prob_texts = [self.ax_prob.text(i, 0, "", ha="center", va="bottom", fontsize=9) for i in x]
        self.ax_prob.set(xticks=x, xticklabels=CLASS_NAMES, ylim=(0, 1.15), ylabel="probability")
        self.ax_prob.set_title("softmax(z)", fontsize=10)
        self.grad_bars = self.ax_grad.bar(x, np.zeros(len(x)), color=NEUTRAL, edgecolor="#333333")
        self.ax_grad.axhline(0, color="#333333", lw=0.8)
        self.ax_grad.set(xticks=x, xticklabels=CLASS_NAMES, ylim=(-1.25, 1.25), ylabel="dL/dz")
        self.ax_grad.set_title("gradient on the logits: p - y", fontsize=10)

        # the loss as a function of the probability given to the true class, two classes [p, 1 - p]
        p = np.linspace(0.002, 1.0, 400)
        rows, one_hot = np.stack([p, 1 - p], axis=1), np.tile([1.0, 0.0], (p.size, 1))
        cce, mse = losses.CategoricalCrossentropy(), losses.MeanSquaredError()
        self.ax_curve.plot(p, cce.per_sample(one_hot, rows), color=POSITIVE, lw=2, label="cross-entropy  -log p")
        self.ax_curve.plot(p, mse.per_sample(one_hot, rows), color=NEGATIVE, lw=2, ls="--",
                           label="MSE on [p, 1 - p]")
        (self.curve_dot,) = self.ax_curve.plot([1.0], [0.0], "o", color=HIGHLIGHT, ms=9, mec="#333333", zorder=5,
                                               clip_on=False)
        self.curve_text = self.ax_curve.text(0.97, 0.62, "", transform=self.ax_curve.transAxes, ha="right",
                                             va="top", fontsize=9)
        self.ax_curve.set(xlim=(0, 1), ylim=(0, 6.5), xlabel="p given to the true class", ylabel="loss")
        self.ax_curve.set_title("confident mistakes cost the most", fontsize=10)
        self.ax_curve.legend(loc="upper right", fontsize=8, frameon=False)
        self.fig.subplots_adjust(left=0.06, right=0.985, bottom=0.17, top=0.92, wspace=0.32)
        # the true class is marked under its bar (a dynamic text: tick labels would need a full redraw)
        self.true_marker = self.ax_prob.text(0, -0.12, "▲ true", ha="center", va="top", fontsize=8.5,
                                             color="#b35806", transform=self.ax_prob.get_xaxis_transform())
        self.dynamic(self.true_marker, rarely=True)
        self.dynamic(*self.prob_bars, *self.prob_texts, *self.grad_bars, self.curve_dot, self.curve_text)
        self.draw_text_from_pictures(self.true_marker, *self.prob_texts, self.curve_text)  # text is slow to draw

    def _update(self):
        self.logits = np.array([self.controls[f"logit_{n}"].value for n in CLASS_NAMES])
        self.true_class = self.controls["true_class"].value
        self.y_true = np.eye(len(CLASS_NAMES))[self.true_class]
        self.probabilities = activations.softmax(self.logits[None])[0]
        cce = losses.CategoricalCrossentropy(from_logits=True)
        self.loss = cce(self.y_true[None], self.logits[None])
        self.gradient = cce.gradient(self.y_true[None], self.logits[None])[0]
        self.p_true = float(self.probabilities[self.true_class])
        self.predicted_class = int(np.argmax(self.probabilities))

        for i, (bar, text) in enumerate(zip(self.prob_bars, self.prob_texts)):
            p = self.probabilities[i]
            bar.set_height(p)
            bar.set_color(HIGHLIGHT if i == self.true_class else NEUTRAL)
            bar.set_edgecolor("#333333")
            text.set_position((i, p + 0.02))
            text.set_text(f"{p:.3f}")
        for bar, g in zip(self.grad_bars, self.gradient):
            bar.set_height(g)
            bar.set_color(NEGATIVE if g > 0 else POSITIVE)
            bar.set_edgecolor("#333333")
        shown = min(self.loss, 6.5)  # the dot stays on the plot; the number says the truth
        self.curve_dot.set_data([self.p_true], [shown])
        self.curve_text.set_text(f"p[{CLASS_NAMES[self.true_class]}] = {self.p_true:.3f}\n"
                                 f"cross-entropy = {self.loss:.3f}")
        if self.changed("true class", self.true_class):
            self.true_marker.set_x(self.true_class)

    @property
    def verdict(self):
        """A short sentence: right or wrong, and how confident."""
        name, guess = CLASS_NAMES[self.true_class], CLASS_NAMES[self.predicted_class]
        confidence = float(self.probabilities[self.predicted_class])
        if self.predicted_class == self.true_class:
            return f"right: '{guess}' with p = {confidence:.2f}"
        kind = "a confident mistake" if confidence >= 0.8 else "a mistake"
        return f"{kind}: '{guess}' with p = {confidence:.2f}, but the answer is '{name}'"

    def readout(self):
        lines = [f"logits z        = [{', '.join(f'{v:+.2f}' for v in self.logits)}]",
                 f"softmax p       = [{', '.join(f'{v:.3f}' for v in self.probabilities)}]",
                 f"true class      = {CLASS_NAMES[self.true_class]}   y = "
                 f"[{', '.join(f'{v:.0f}' for v in self.y_true)}]",
                 f"cross-entropy   = -log p[{CLASS_NAMES[self.true_class]}] = {self.loss:.4f}",
                 f"dL/dz = p - y   = [{', '.join(f'{v:+.3f}' for v in self.gradient)}]",
                 f"verdict         : {self.verdict}"]
        return "\n".join(lines)

"""Interactive widgets for the lessons: one class per concept, each a view over engine objects.

Every widget constructs with no arguments, shows its controls and a figure when displayed in a
notebook, and exposes the numbers it shows as attributes (see ``LessonWidget``)::

    from learnnet.widgets import NeuronExplorer
    w = NeuronExplorer()
    w                      # in a notebook: sliders + live figure (use %matplotlib widget)
    w.controls["x1"].value = 2.0
    w.z, w.a               # the numbers the widget now shows

This package (and ``learnnet.plotting``) are the only parts of learnnet that import matplotlib
and ipywidgets.
"""
from ._base import LessonWidget
from .activation import ActivationExplorer, LinearStackExplorer
from .backprop import BackpropStepper
from .descent import GradientDescentExplorer
from .forward import ForwardPassViewer
from .loss import CrossEntropyExplorer, LossExplorer
from .neuron import NeuronExplorer
from ._source import show_source
from .monitor import TrainingMonitor
from .playground import Playground

__all__ = ["show_source", "LessonWidget", "NeuronExplorer", "ActivationExplorer", "LinearStackExplorer", "ForwardPassViewer",
           "LossExplorer", "CrossEntropyExplorer", "BackpropStepper", "GradientDescentExplorer"]
__all__ += ["Playground", "TrainingMonitor"]
from .conv import ConvExplorer, FeatureMapViewer

__all__ += ["ConvExplorer", "FeatureMapViewer"]

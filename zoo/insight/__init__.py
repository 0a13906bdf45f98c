"""Seeing inside a model: class activation maps, attributions, filters, feature maps and text evidence.

One job per module: :mod:`~zoo.insight.gradients` (the gradient of class scores, dispatched to the
Keras backend), :mod:`~zoo.insight.cams` (Grad-CAM, Grad-CAM++), :mod:`~zoo.insight.attribution`
(integrated gradients), :mod:`~zoo.insight.filters` (first-layer filters, stage feature maps),
:mod:`~zoo.insight.text` (the n-grams that decided a TextCNN's prediction),
:mod:`~zoo.insight.rendering` (PNG, terminal and HTML) and :mod:`~zoo.insight.explanation`
(:func:`zoo.explain`, which loads a model through the doors every command uses and runs one of them).
Importing this package imports nothing heavy; each module imports Keras when it runs.
"""

METHODS = ("gradcam", "gradcam++", "integrated_gradients", "feature_maps", "filters", "evidence")  # zoo explain --method

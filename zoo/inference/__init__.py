"""Inference on a model with its identity: evaluation and prediction.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`.
"""

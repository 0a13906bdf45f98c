"""Training: the driver behind ``zoo.train`` and ``zoo train``, run folders, optimizers, phases and
distribution.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`.
"""

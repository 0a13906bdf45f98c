"""keras-zoo's built-in architecture plugins (installed as ``zoo_plugins``).

Each module is one family and is loaded through the ``keras_zoo`` entry-point
group, exactly like a third-party plugin. Registration modules stay free of
TensorFlow and Keras; the networks themselves live in :mod:`zoo_plugins.nets`
and are imported only when a model is built.
"""

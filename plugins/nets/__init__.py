"""Keras builders of the built-in families (imported only when a model is built)."""

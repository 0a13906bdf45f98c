"""zoo.weights."""

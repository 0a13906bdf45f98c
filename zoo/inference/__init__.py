"""zoo.inference."""

"""zoo.training."""

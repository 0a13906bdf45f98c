"""zoo.tuning."""

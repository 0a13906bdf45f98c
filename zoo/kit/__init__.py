"""zoo.kit."""

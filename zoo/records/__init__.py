"""zoo.records."""

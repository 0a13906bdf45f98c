"""zoo.exporting."""

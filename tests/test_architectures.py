"""Every registered architecture builds, runs a forward pass and round-trips through serialization."""

import pytest

import zoo
from zoo.testing import check_architecture


@pytest.mark.parametrize("name", zoo.list())
def test_every_architecture_builds_runs_and_round_trips(name):
    check_architecture(name)

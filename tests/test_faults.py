"""Every fault scenario on every remote ends in a correct issue, no issue, or a clean failure (see fault_scenarios)."""

import pytest

from .conftest import require_shared
from .fault_scenarios import SCENARIOS, run_scenario


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault_scenario(scenario):
    require_shared()
    problem = run_scenario(scenario)
    assert problem == "", f"{scenario.name}: {problem}"

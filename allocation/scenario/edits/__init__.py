"""Layer 3 (scenario): edits of a scenario, each a small pure function over the scenario's data.

Each takes the data (a ``dict`` as read from YAML) and returns a changed copy in which
the edited number is labelled: with the source the user gives, or as an ``assumption``
saying it was edited, with the value before the edit. Validate the result with
:func:`allocation.scenario.build.build` or :func:`allocation.scenario.loading.parse_scenario`.
"""

from allocation.scenario.edits.apply import apply_edits
from allocation.scenario.edits.bounds import set_band, set_bound
from allocation.scenario.edits.budget import (
    scale_years,
    scaled_profile,
    set_budget,
    set_year_value,
)
from allocation.scenario.edits.common import EDITED
from allocation.scenario.edits.cross_pot import remove_cross_pot, set_cross_pot
from allocation.scenario.edits.groups import (
    GROUP_FIELDS,
    GROUP_LIMITS,
    remove_group,
    set_group,
)
from allocation.scenario.edits.key import set_vast_bedrag, set_weights
from allocation.scenario.edits.plan import CrossPotEdit, EditPlan, PotEdit
from allocation.scenario.edits.review import change_words, changes, named_as_edited
from allocation.scenario.edits.user_keys import add_user_key
from allocation.scenario.edits.valid import CROSS_POT_UNIT, UNITS, apply_valid_edits, split_edits

__all__ = [
    "CROSS_POT_UNIT",
    "CrossPotEdit",
    "EditPlan",
    "PotEdit",
    "EDITED",
    "GROUP_FIELDS",
    "GROUP_LIMITS",
    "UNITS",
    "add_user_key",
    "apply_edits",
    "apply_valid_edits",
    "change_words",
    "changes",
    "named_as_edited",
    "remove_cross_pot",
    "remove_group",
    "scale_years",
    "scaled_profile",
    "set_band",
    "set_bound",
    "set_budget",
    "set_cross_pot",
    "set_group",
    "set_vast_bedrag",
    "set_weights",
    "split_edits",
    "set_year_value",
]

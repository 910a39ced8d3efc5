"""Layer 3 (scenario): validation messages, one per problem, naming the file and the field path.

For example ``pots.elip.key.wieghts: unknown field; did you mean `weights`?``.
"""

from __future__ import annotations

import difflib
import reprlib

from pydantic import BaseModel, ValidationError

from allocation.common.i18n import _
from allocation.common.texts import QUOTE_LIMIT, clipped, quoted
from allocation.scenario.schema import (
    AmountBound,
    Band,
    Budget,
    CrossPotCap,
    GroupConstraint,
    KeySpec,
    Peildatum,
    Pot,
    PotConstraints,
    Reference,
    Scenario,
    Spread,
    TransitionBand,
    Uncertainty,
    UserKeySpec,
    YearProfile,
    YearValue,
)


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


_MODELS_BY_PATH_END = {
    "": Scenario,
    "pots.*": Pot,
    "pots.*.budget": Budget,
    "pots.*.years": YearProfile,
    "pots.*.key": KeySpec,
    "user_keys.*": UserKeySpec,
    "peildata.*": Peildatum,
    "pots.*.years.euros.*": YearValue,
    "pots.*.years.shares.*": YearValue,
    "pots.*.constraints": PotConstraints,
    "pots.*.constraints.minimum.*": AmountBound,
    "pots.*.constraints.maximum.*": AmountBound,
    "pots.*.constraints.transition": TransitionBand,
    "pots.*.constraints.transition.reference": Reference,
    "pots.*.constraints.year_band": Band,
    "pots.*.constraints.groups.*": GroupConstraint,
    "cross_pot.*": CrossPotCap,
    "uncertainty": Uncertainty,
    "uncertainty.keys.*": Spread,
    "uncertainty.year_profiles": Spread,
}


def _model_at(location: tuple) -> type[BaseModel] | None:
    parts = [str(p) for p in location]
    for pattern, model in _MODELS_BY_PATH_END.items():
        pattern_parts = pattern.split(".") if pattern else []
        if len(pattern_parts) == len(parts) and all(p == "*" or p == q for p, q in zip(pattern_parts, parts)):
            return model
    return None


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4
_SHORT.maxstring = _SHORT.maxother = QUOTE_LIMIT


def _given(value) -> str:
    """A value as a message quotes it: YAML's words for yes/no and null, long text cut short."""
    if isinstance(value, bool):
        return str(value).lower()  # as YAML writes it
    if value is None:
        return _("msg_null")
    if isinstance(value, str):
        return quoted(value)
    return clipped(_SHORT.repr(value))  # bounded: never the whole of a huge value


def _describe(error: dict) -> tuple[str, str]:
    location = [clipped(part) for part in error["loc"] if part not in ("YearValue", "float", "int")]
    # pydantic adds the union member's type name to the location: drop it
    location = [part for part in location if not part.startswith("function-")]
    if location and location[-1] in ("float", "YearValue"):
        location = location[:-1]
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        field_name = location[-1]
        model = _model_at(tuple(location[:-1]))
        allowed = _field_names(model) if model else []
        close = difflib.get_close_matches(field_name, allowed, n=1)
        hint = (_("msg_did_you_mean", field=close[0]) if close
                else (_("msg_allowed", fields=", ".join(allowed)) if allowed else ""))
        return ".".join(location), _("msg_unknown_field", hint=hint)
    if kind == "missing":
        return ".".join(location), _("msg_missing")
    if kind in ("greater_than_equal", "greater_than"):
        bound = error["ctx"].get("ge", error["ctx"].get("gt"))
        sign = ">=" if kind == "greater_than_equal" else ">"
        return ".".join(location), _("msg_at_least", sign=sign, bound=f"{bound:g}", given=given)
    if kind in ("int_from_float", "int_parsing"):
        euros = bool(location) and location[-1].endswith("eur")
        return ".".join(location), _("msg_whole_euros" if euros else "msg_whole_number", given=_given(given))
    if kind in ("float_parsing", "float_type", "int_type"):
        return ".".join(location), _("msg_number", given=_given(given))
    if kind == "too_short":
        return ".".join(location), _("msg_not_empty")
    if kind in ("model_type", "dict_type"):
        model = _model_at(tuple(location))
        if model:
            return ".".join(location), _("msg_mapping_fields", fields=", ".join(_field_names(model)),
                                         given=_given(given))
        return ".".join(location), _("msg_mapping", given=_given(given))
    if kind == "list_type":
        return ".".join(location), _("msg_list", given=_given(given))
    if kind in ("string_type", "bool_type"):
        return ".".join(location), _("msg_text" if kind == "string_type" else "msg_bool", given=_given(given))
    message = error["msg"].removeprefix("Value error, ")
    return ".".join(location), message


def _in_union(error: dict, errors: list[dict], besides: tuple[str, ...]) -> bool:
    """Whether another error, of a type not in ``besides``, reports another branch of the
    same union (number or {value, source})."""
    return any(
        other is not error and other["type"] not in besides
        and other["loc"][:len(error["loc"]) - 1] == error["loc"][:-1]
        for other in errors
    )


def format_errors(exc: ValidationError, origin: str) -> list[str]:
    """One message per problem, naming the file and the field path."""
    seen, problems = set(), []
    errors = exc.errors()
    for error in errors:
        path, message = _describe(error)
        # A union (number or {value, source}) reports both branches; keep the clearest.
        if error["type"] == "model_type" and _in_union(error, errors, ("model_type",)):
            continue
        if error["type"] == "float_type" and _in_union(error, errors, ("model_type", "float_type")):
            continue
        line = f"{origin}: {path}: {message}" if path else f"{origin}: {message}"
        if line not in seen:
            seen.add(line)
            problems.append(line)
    return problems

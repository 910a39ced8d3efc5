"""Layer 3 (scenario): reading YAML strictly, so that a scenario never means something else
than it says.

PyYAML's safe loader lets the last of two equal keys win, turns ``2022-02-30`` into an
uncaught ``ValueError``, and recurses without limit on deeply nested input. This loader:

* refuses a key given twice in one mapping (``2021`` and ``"2021"`` count as the same
  key), naming both lines;
* leaves dates as text, so that the schema checks them and names the field;
* refuses nesting deeper than :data:`MAX_DEPTH` levels (a scenario needs about eight).

:func:`load_strict` raises :class:`StrictYAMLError` with a message naming the line.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Deeper nesting than this is refused (the deepest scenario field is about eight levels).
MAX_DEPTH = 40
#: More aliases (``*name``) than this are refused: a scenario needs few, and many can expand
#: into an enormous structure from a small file (an alias bomb).
MAX_ALIASES = 100


class StrictYAMLError(ValueError):
    """YAML that is well formed but not acceptable (a duplicate key, nesting too deep)."""


class StrictLoader(yaml.SafeLoader):
    """The safe loader, with duplicate keys refused, dates kept as text and a depth limit."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise StrictYAMLError(f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); write the "
                                      "values out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise StrictYAMLError(
                    f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep; a scenario needs far fewer"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            first_line: dict[str, str] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    label = str(key)
                except Exception:  # pragma: no cover - keys are scalars in a scenario
                    continue
                mark = key_node.start_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}"
                if label in first_line:
                    raise StrictYAMLError(
                        f"{where}: the key `{label}` is given twice in one mapping (first at {first_line[label]}); "
                        "keep one"
                    )
                first_line[label] = where
        return super().construct_mapping(node, deep=deep)


# dates stay text: the schema parses and checks them (an invalid date names its field)
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_strict(text: str) -> Any:
    """The data of a YAML text, read strictly (see the module docstring)."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise StrictYAMLError(f"nested too deeply (more than {MAX_DEPTH} levels); a scenario needs far fewer") from None

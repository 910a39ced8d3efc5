"""Error types shared by every layer.

An :class:`InputError` carries one message per problem; each message names the file,
the field or row, and the fix. The command line prints them one per line and exits
with code 2; the app shows them inline.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user: a scenario file, a key file, an upload or a data file."""

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class DataError(InputError):
    """A project data file is damaged or inconsistent."""


class InfeasibleError(InputError):
    """Constraints that cannot hold together; messages explain the conflict in euros."""

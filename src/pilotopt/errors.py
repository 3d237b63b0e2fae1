"""Errors users see: every problem located, all at once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InfeasibleError", "InputError", "InputProblem", "NoSolutionError", "StoppedError"]


@dataclass(frozen=True)
class InputProblem:
    """One problem in the user's input, located as precisely as the input allows."""

    file: str
    message: str
    row: int | None = None  # spreadsheet row (header is row 1) or rule number
    id: str | None = None
    column: str | None = None
    key: str | None = None  # dotted key in a TOML/JSON file, e.g. "rules[3].min"
    value: object = None
    sheet: str | None = None  # the sheet of a workbook

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"

    def where(self) -> str:
        """The location alone: file, sheet, row, id, column, key and value."""
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.id:
            where.append(f"id {self.id}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.key:
            where.append(f"{self.key}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return ", ".join(where)


class InputError(Exception):
    """The input cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleError(Exception):
    """The hard rules cannot all hold; ``rules`` names a set of them that conflicts."""

    def __init__(self, message: str, rules: list[str]) -> None:
        self.rules = rules
        super().__init__(message)


class NoSolutionError(Exception):
    """No assignment meeting every hard rule was found within the time limit."""


class StoppedError(NoSolutionError):
    """A stop request ended the run before any assignment meeting every hard rule was found."""

"""The list of problems and warnings a bundle's validation collects, each with where it is."""

from __future__ import annotations

from dataclasses import dataclass, field

# file, element and message always; "line" (XML line), "row" (DMN rule row) and "column" (DMN column: the
# inputs, then the outputs, from 1) when they apply
Problem = dict[str, str]


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # (file, element id) → XML line, so a problem found on a parsed spec still gets its line
    lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, file: str, element: str, message: str, line: int | None = None, row: int | None = None,
            column: int | None = None) -> None:
        self.problems.append(_problem(file, element, message, line, row, column))

    def warn(self, file: str, element: str, message: str, line: int | None = None, row: int | None = None,
             column: int | None = None) -> None:
        self.warnings.append(_problem(file, element, message, line, row, column))

    def locate(self) -> None:
        """Give each problem without a line the line of its element, when the element is known."""
        for item in [*self.problems, *self.warnings]:
            line = self.lines.get((item["file"], item["element"]))
            if "line" not in item and line:
                item["line"] = str(line)


def _problem(file: str, element: str, message: str, line: int | None, row: int | None,
             column: int | None = None) -> Problem:
    problem = {"file": file, "element": element, "message": message}
    if line:
        problem["line"] = str(line)
    if row:
        problem["row"] = str(row)
    if column:
        problem["column"] = str(column)
    return problem

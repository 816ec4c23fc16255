"""Tables that fit the terminal: a boxed table where its columns fit the console's width, and
where they do not (an 80-column terminal, a table of seven columns of long citations), one
block per row, each value beside its column's name and wrapped to the width.

Nothing forces a width: rich wraps each cell at spaces and folds a word longer than its
column (an IRI), so no line is wider than the console.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

CELL = 20  # characters a column of long values needs to read well; shorter ones need less
SHORT = 10  # a column no longer than this (a mark, a tier, a count) keeps its width
KEY = 24  # the widest a column's name may be beside its value in the stacked layout


def needed_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The width a boxed table needs: each column its longest value (or name) up to CELL,
    plus its padding and rule."""
    total = 1
    for number, header in enumerate(headers):
        longest = max([len(header), *(len(row[number]) for row in rows)])
        total += min(longest, CELL) + 3
    return total


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Column]:
    """Short columns (marks, tiers, counts) kept whole; the others wrapped at spaces as rich
    shrinks them to the width, a word longer than its column folded."""
    longest = [max([len(h), *(len(row[n]) for row in rows)]) for n, h in enumerate(headers)]
    return [
        Column(h, overflow="fold", no_wrap=size <= SHORT)
        for h, size in zip(headers, longest, strict=True)
    ]


def print_rows(
    console: Console,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    title: str | None = None,
) -> None:
    """Print `rows` (strings, shown as they are, never read as markup) under `headers`: a boxed
    table when it fits the console, else one block per row, headed by its first value (once
    for rows that share it, as the coverage matrix's rows share their category)."""
    if console.width >= needed_width(headers, rows):
        table = Table(*_columns(headers, rows), title=title)
        for row in rows:
            table.add_row(*(Text(value) for value in row))
        console.print(table)
        return
    if title:
        console.print(Text(title, style="bold"))
    heading = None
    for row in rows:
        if row[0] != heading:
            heading = row[0]
            console.print(Text(f"{headers[0]}: {heading}", style="bold"))
        else:
            console.print()
        grid = Table.grid(
            Column(style="dim", max_width=KEY, overflow="fold"),
            Column(overflow="fold", ratio=1),
            padding=(0, 1),
            expand=True,
        )
        for header, value in zip(headers[1:], row[1:], strict=True):
            if value:
                grid.add_row(Text(header), Text(value))
        console.print(Padding(grid, (0, 0, 0, 2)))

"""Table layout shared by every generated table: Markdown for the README, booktabs LaTeX for the report.

Each public renderer (in :mod:`helpers.publish.reporting` and :mod:`helpers.publish.latex`)
decides which rows and cells a table has; these functions only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: How a mean and a standard deviation over seeds are joined, per output format.
PLUS_MINUS = {"markdown": " ± ", "latex": r"\,$\pm$\,"}


def mean_sd(summary: Mapping[str, Any], digits: int, form: str) -> str:
    """``"0.612 ± 0.010"`` (Markdown) or its LaTeX form, from a ``{"mean": ..., "std": ...}`` summary."""
    return f"{summary['mean']:.{digits}f}{PLUS_MINUS[form]}{summary['std']:.{digits}f}"


#: How the worst seed's value and the seed are joined, per output format (LaTeX's is narrower, for the page width).
WORST_SEED = {"markdown": "{value} (seed {seed})", "latex": r"{value}\,({seed})"}


def worst_seed(summary: Mapping[str, Any], seeds: Sequence[int], digits: int, form: str = "markdown") -> str:
    """``"0.512 (seed 12)"`` (Markdown) or ``0.512\\,(12)`` (LaTeX): the lowest of a summary's per-seed ``values``, and its seed."""
    values = summary["values"]
    if len(values) != len(seeds):
        raise ValueError(f"seeds must give one seed per value: {len(seeds)} seeds for {len(values)} values")
    lowest = min(range(len(values)), key=values.__getitem__)
    return WORST_SEED[form].format(value=f"{values[lowest]:.{digits}f}", seed=seeds[lowest])


def markdown_table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table; ``align`` holds one ``l`` or ``r`` per column."""
    if len(align) != len(header) or any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row needs {len(header)} cells, as the header and align have")
    rule = "|" + "|".join("---:" if side == "r" else "---" for side in align) + "|"
    return [_markdown_row(header), rule, *(_markdown_row(row) for row in rows)]


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def latex_row(cells: Sequence[str]) -> str:
    r"""One tabular row, ``a & b & c \\`` (an empty cell gives ``a & & c``)."""
    return "&".join(f" {cell} " if cell else " " for cell in cells).strip() + r" \\"


def latex_table(
    column_spec: str,
    header: Sequence[str],
    sections: Sequence[Sequence[Sequence[str]]],
    *,
    caption: str | None = None,
    label: str | None = None,
    size: str | None = None,
    column_sep: str | None = None,
    placement: str = "t",
    comment: str | None = None,
) -> str:
    r"""A booktabs ``tabular``, in a ``table`` float when it has a ``caption``.

    Parameters
    ----------
    column_spec : str
        The tabular's column specification, e.g. ``"lrrr"``.
    header : sequence of str
        The header's lines as LaTeX (see :func:`latex_row`), between ``\toprule`` and ``\midrule``.
    sections : sequence of sequences of rows
        Groups of rows (each a sequence of cells), separated by ``\midrule``.
    caption, label : str, optional
        Put the tabular in a ``table`` float with this caption and label.
    size : str, optional
        A LaTeX font size command's name (``"small"``, ``"footnotesize"``) for the tabular.
    column_sep : str, optional
        The space between columns (``\tabcolsep``, e.g. ``"3pt"``).
    placement : str
        The float's placement options (``"tbp"`` lets a tall table have a page of its own).
    comment : str, optional
        A LaTeX comment line above everything (without the ``%``).

    Returns
    -------
    str
        The LaTeX, ending with a newline.
    """
    lines = [f"% {comment}"] if comment else []
    if caption is not None:
        lines += [rf"\begin{{table}}[{placement}]", r"\centering", rf"\caption{{{caption}}}"]
        lines += [rf"\label{{{label}}}"] if label else []
    if size:
        lines.append(rf"\{size}")
    if column_sep:
        lines.append(rf"\setlength{{\tabcolsep}}{{{column_sep}}}")
    lines += [rf"\begin{{tabular}}{{{column_spec}}}", r"\toprule", *header, r"\midrule"]
    for index, section in enumerate(sections):
        if index:
            lines.append(r"\midrule")
        lines += [latex_row(cells) for cells in section]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption is not None:
        lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"

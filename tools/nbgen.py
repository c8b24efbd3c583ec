"""Write a lesson notebook from a list of cells (used to author lessons; the .ipynb files are the source of truth).

    from tools.nbgen import write, md, code
    write("notebooks/00_welcome.ipynb", [md("# Title"), code("print(1)")])

Notebooks are written without outputs, with the python3 kernel, as CI expects.
"""
from __future__ import annotations

import textwrap

import nbformat


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))


def write(path: str, cells: list) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["colab"] = {"provenance": []}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
    nb.cells = cells
    nbformat.validate(nb)
    nbformat.write(nb, path)

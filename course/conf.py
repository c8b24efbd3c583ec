"""Sphinx configuration of the course site, built by ``python tools/site.py`` (which writes the source tree:
``course/*.md`` and the executed student notebooks; see its docstring)."""

project = "srkit: an open course on image super-resolution"
author = "the srkit authors"
copyright = "the srkit authors, MIT licence"
root_doc = "course/index"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # the notebooks arrive executed (tools/site.py); never run them here
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3  # [text](references.md#dong-et-al-2014) links to a heading, as on GitHub
exclude_patterns = ["**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_title = "srkit course"
html_theme_options = {
    "repository_url": "https://github.com/srkit-course/srkit",
    "path_to_docs": "",
    "use_repository_button": True,
    "home_page_in_toc": True,
}

"""Small Sphinx fixes for how the book reads (loaded from ``_config.yml`` ``local_extensions``).

- Exercises, figures and tables are numbered per chapter (Exercise 1, 2, ... on every page).
  Sphinx numbers them through the whole book when the table of contents is not numbered, so
  chapter 4's exercises were 13-15.
- The theme's light mode is the default, so a first visit does not log a console error
  (pydata-sphinx-theme complains about its empty default mode).
- A script included twice by the theme stack (sphinx-thebe's configuration, whose second copy
  throws "Identifier 'THEBE_JS_URL' has already been declared") is included once.
- ``book/_static/reader.css`` fits 88-character code lines and outputs in the content column.
"""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).resolve().parents[1] / "_static"


def _set_defaults(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")   # pydata-sphinx-theme reads it from here
    config.html_context = context
    config.html_static_path = list(config.html_static_path) + [str(STATIC)]


def _number_per_document(app, env):
    """Renumber each enumerable type from 1 within every document.

    Without a numbered toctree every number is a 1-tuple from one book-wide counter; with one,
    numbers are already per chapter (longer tuples) and are left alone. Document order is kept,
    since the book-wide counter grows through each document.
    """
    for numbers_by_type in env.toc_fignumbers.values():
        for figtype, numbers in numbers_by_type.items():
            if not all(len(n) == 1 for n in numbers.values()):
                continue
            ordered = sorted(numbers, key=lambda ident: numbers[ident])
            numbers_by_type[figtype] = {ident: (i,) for i, ident in enumerate(ordered, start=1)}
    return []


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # the second copy of an inline script has filename '' where the first has None
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("config-inited", _set_defaults)
    # After Sphinx's TocTreeCollector (priority 500) has assigned the book-wide numbers.
    app.connect("env-get-updated", _number_per_document, priority=900)
    app.connect("html-page-context", _drop_duplicate_scripts)
    app.add_css_file("reader.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

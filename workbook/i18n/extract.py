"""A Babel extractor for the shipped text that lives in YAML rather than in the code: the titles of
the investment packages (``workbook/data/package-tags.yaml``), the title a donor reads in the
funding summary, the logframe and the road-map page. ``babel.cfg`` names it (``[extractors]``), so
``make i18n`` puts each title in the catalogues under the context ``package``, where it is
translated like any interface string; :func:`workbook.roadmap.packages.package_title` reads it back.
"""
from __future__ import annotations

from ..yamlfile import safe_load as safe_yaml

#: The gettext context of a package title in the catalogues.
PACKAGE_CONTEXT = "package"


def extract_package_tags(fileobj, keywords, comment_tags, options):
    """Babel's extraction interface: ``(line, funcname, message, comments)`` for each package title."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    packages = (safe_yaml(text) or {}).get("packages") or {}
    lines = text.splitlines()
    for pid, tags in packages.items():
        title = str((tags or {}).get("title") or "").strip() if isinstance(tags, dict) else ""
        if not title:
            continue
        line = next((n for n, row in enumerate(lines, start=1) if row.lstrip().startswith(f"{pid}:")), 0)
        yield line, "pgettext", (PACKAGE_CONTEXT, title), [f"investment package {pid}"]

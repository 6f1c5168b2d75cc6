"""Third-party start-up work put off until it is needed.

``jsonschema`` (which nbformat, papermill, nbconvert and Voila's server all import) loads every
format checker it can find when it is imported. One of them, ``rfc3987_syntax`` (IRI syntax,
installed through ``jsonschema[format-nongpl]``), builds some 35 Earley parsers from a Lark
grammar as it is imported: 1.1 s on these machines, paid by the report builder, the server and
every ``workbook`` command that touches a notebook, though no notebook or Jupyter schema uses the
``iri`` formats (jsonschema issue 1428). :func:`defer_iri_grammar` puts a stand-in for the module
in ``sys.modules`` before jsonschema is imported; the real module is imported the first time one
of its names is used, so an ``iri`` check, if one ever runs, gives the same answer as before.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

NAME = "rfc3987_syntax"
#: Its functions, handed out as forwarders without loading it (``from rfc3987_syntax import
#: is_valid_syntax`` is how jsonschema takes it); any other name loads the module.
FUNCTIONS = ("is_valid_syntax", "parse", "make_syntax_validator")
_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read."""

    def __init__(self, name: str, functions: tuple[str, ...]):
        super().__init__(name)
        self.__dict__["_real"] = None
        self.__dict__["_functions"] = functions

    def _load(self) -> types.ModuleType:
        with _lock:
            real = self.__dict__["_real"]
            if real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                try:
                    real = importlib.import_module(self.__name__)
                except BaseException:
                    sys.modules.setdefault(self.__name__, self)
                    raise
                self.__dict__["_real"] = real
            return real

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # import machinery probing: no reason to load
        if attr in self.__dict__["_functions"] and self.__dict__["_real"] is None:
            return _forward(self, attr)
        return getattr(self._load(), attr)


def _forward(module: _Deferred, attr: str):
    def call(*args, **kwargs):
        return getattr(module._load(), attr)(*args, **kwargs)
    call.__name__ = call.__qualname__ = attr
    return call


def defer_iri_grammar() -> bool:
    """Put off building ``rfc3987_syntax``'s parsers until an ``iri`` format is checked.

    Does nothing (returns False) when the module is not installed, or when it or jsonschema's
    format checkers are already imported. ``WORKBOOK_EAGER_IMPORTS=1`` turns it off."""
    import os
    if os.environ.get("WORKBOOK_EAGER_IMPORTS") == "1":
        return False
    if NAME in sys.modules or "jsonschema._format" in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(NAME)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = _Deferred(NAME, FUNCTIONS)
    if spec.submodule_search_locations is not None:  # a package: its submodules can still be imported
        stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[NAME] = stand_in
    return True

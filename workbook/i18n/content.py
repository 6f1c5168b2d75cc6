"""Framework and action-library text by key, for translation.

Every translatable string of a framework (names, questions, guidance, descriptors, evidence
examples, criteria, ...) and of an action library has a stable key such as
``indicator.OPS.2.3.question`` or ``criterion.OPS.2.3.3a``. A translation file stores, for each key,
the translated text and a short hash of the English text it was made from; when the English changes,
the hash no longer matches and the translation is *stale* (shown in English until updated, and listed
by ``workbook framework check --lang``).

Translation files live in ``workbook/data/translations/``: ``framework.<lang>.yaml`` and
``actions.<lang>.yaml`` (``strings: {key: {text, source}}``), with the shared ``glossary.yaml``.

* :func:`translated_framework` / :func:`translated_library`: the same kind of object, every text
  in the language; a missing or stale string stays English and is counted (``.coverage``).
* :func:`framework_check` / :func:`library_check`: every missing or stale string with its key and
  its place in the file (``pillars[1](OPS).subareas[1](OPS.2).indicators[2](OPS.2.3).question``).

This module reads models only through their attributes and rebuilds them with their own class,
so it needs neither the framework's nor the road map's modules.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import PrivateAttr

from ..errors import InvalidInput, Problem
from ..framework import describe_path
from .languages import SOURCE_LANG, parse_lang

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "translations"
KINDS = ("framework", "actions")
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # every value is text: the fastest loader will do


def source_hash(text: str) -> str:
    """A short fingerprint of an English source string (stale detection, not security)."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:10]


# -- the strings, each with its key and its place in the model ---------------------------------
@dataclass(frozen=True)
class Entry:
    """One translatable string: its key, the English text, and its path in the model's data
    (keys and list indices, as in ``model_dump``)."""

    key: str
    text: str
    path: tuple


def framework_entries(fw) -> list[Entry]:
    """Every translatable string of a framework, in document order."""
    return [Entry(k, t, p) for k, t, p in _framework_items(fw)]


def framework_strings(fw) -> dict[str, str]:
    """``{key: English text}`` for every translatable string of a framework, in document order."""
    return {k: t for k, t, _ in _framework_items(fw)}


def _framework_items(fw) -> Iterator[tuple[str, str, tuple]]:
    yield "title", fw.title, ("title",)
    for i, lv in enumerate(fw.scale.levels):
        yield f"scale.level.{lv.level}.name", lv.name, ("scale", "levels", i, "name")
        yield f"scale.level.{lv.level}.summary", lv.summary, ("scale", "levels", i, "summary")
    for i, c in enumerate(fw.scale.codes):
        yield f"scale.code.{c.code}.name", c.name, ("scale", "codes", i, "name")
        yield f"scale.code.{c.code}.meaning", c.meaning, ("scale", "codes", i, "meaning")
    for i, lens in enumerate(fw.lenses):
        yield f"lens.{lens.id}.name", lens.name, ("lenses", i, "name")
        yield f"lens.{lens.id}.description", lens.description, ("lenses", i, "description")
    for i, t in enumerate(fw.evidence_types):
        yield f"evidence_type.{t.id}.name", t.name, ("evidence_types", i, "name")
    for i, r in enumerate(fw.evidence_rules):
        yield f"evidence_rule.{r.level}.text", r.text, ("evidence_rules", i, "text")
    for i, c in enumerate(fw.criticality):
        yield f"criticality.{c.id}.name", c.name, ("criticality", i, "name")
        yield f"criticality.{c.id}.meaning", c.meaning, ("criticality", i, "meaning")
    for i, k in enumerate(fw.crossing_kinds):
        yield f"crossing_kind.{k.id}.name", k.name, ("crossing_kinds", i, "name")
    for i, a in enumerate(fw.contribution_areas):
        yield f"contribution.{a.id}.name", a.name, ("contribution_areas", i, "name")
        yield f"contribution.{a.id}.description", a.description, ("contribution_areas", i, "description")
    for i, ref in enumerate(fw.references):
        yield f"reference.{ref.id}.title", ref.title, ("references", i, "title")
    for pi, p in enumerate(fw.pillars):
        pp = ("pillars", pi)
        yield f"pillar.{p.id}.name", p.name, pp + ("name",)
        yield f"pillar.{p.id}.description", p.description, pp + ("description",)
        for si, sa in enumerate(p.subareas):
            sp = pp + ("subareas", si)
            yield f"subarea.{sa.id}.name", sa.name, sp + ("name",)
            yield f"subarea.{sa.id}.description", sa.description, sp + ("description",)
            yield f"subarea.{sa.id}.criticality_reason", sa.criticality_reason, sp + ("criticality_reason",)
            if sa.aggregation_reason:
                yield f"subarea.{sa.id}.aggregation_reason", sa.aggregation_reason, sp + ("aggregation_reason",)
            for ri, ref in enumerate(sa.refers_to):
                yield f"subarea.{sa.id}.refers.{ref.indicator}.why", ref.why, sp + ("refers_to", ri, "why")
            for ii, ind in enumerate(sa.indicators):
                ip = sp + ("indicators", ii)
                yield f"indicator.{ind.id}.name", ind.name, ip + ("name",)
                yield f"indicator.{ind.id}.question", ind.question, ip + ("question",)
                yield f"indicator.{ind.id}.guidance", ind.guidance, ip + ("guidance",)
                for li, lv in enumerate(ind.levels):
                    lp = ip + ("levels", li)
                    yield f"indicator.{ind.id}.level.{lv.level}.descriptor", lv.descriptor, lp + ("descriptor",)
                    for k, ev in enumerate(lv.evidence):
                        yield f"indicator.{ind.id}.level.{lv.level}.evidence.{k}", ev, lp + ("evidence", k)
                    for ci, c in enumerate(lv.criteria):
                        yield f"criterion.{c.id}.text", c.text, lp + ("criteria", ci, "text")


def library_entries(lib) -> list[Entry]:
    """Every translatable string of an action library, in document order."""
    return [Entry(k, t, p) for k, t, p in _library_items(lib)]


def library_strings(lib) -> dict[str, str]:
    """``{key: English text}`` for every translatable string of an action library."""
    return {k: t for k, t, _ in _library_items(lib)}


def _library_items(lib) -> Iterator[tuple[str, str, tuple]]:
    for i, t in enumerate(_get(lib, "action_types", [])):
        yield f"action_type.{_get(t, 'id')}.name", _get(t, "name"), ("action_types", i, "name")
    for i, pkg in enumerate(_get(lib, "packages", [])):
        if _get(pkg, "title", ""):
            yield f"package.{_get(pkg, 'id')}.title", _get(pkg, "title"), ("packages", i, "title")
    for i, a in enumerate(_get(lib, "actions", [])):
        aid = _get(a, "id")
        yield f"action.{aid}.title", _get(a, "title"), ("actions", i, "title")
        yield f"action.{aid}.description", _get(a, "description"), ("actions", i, "description")
        if _get(a, "output", ""):
            yield f"action.{aid}.output", _get(a, "output"), ("actions", i, "output")


def _get(obj, name: str, default=None):
    """An attribute of a model, or a key of its data as read from YAML (an action library can be
    checked from its file before its model is loaded)."""
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


# -- translation files ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Translation:
    """One translated string: its text and the hash of the English it was made from."""

    text: str
    source: str


def translation_path(kind: str, lang: str, directory: str | Path | None = None) -> Path:
    """``<directory>/<kind>.<lang>.yaml`` (default directory: the shipped translations)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of content {kind!r}; use one of {KINDS}")
    return Path(directory or TRANSLATIONS_DIR) / f"{kind}.{parse_lang(lang)}.yaml"


def load_translations(kind: str, lang: str, directory: str | Path | None = None) -> dict[str, Translation]:
    """``{key: Translation}`` from a translation file; empty when there is none. A file that is
    not valid raises :class:`InvalidInput` naming the file and the entry. Cached per file and
    modification time."""
    path = translation_path(kind, lang, directory)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return _read_translations(str(path), stamp)


@functools.lru_cache(maxsize=16)
def _read_translations(path: str, _stamp: int) -> dict[str, Translation]:
    try:
        doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(Problem(path, f"not valid YAML: {exc}"), what="translation file") from None
    strings = doc.get("strings") if isinstance(doc, dict) else None
    if not isinstance(strings, dict):
        raise InvalidInput(Problem(path, "the file must hold a mapping 'strings: {key: {text, source}}'"),
                           what="translation file")
    out: dict[str, Translation] = {}
    bad = []
    for key, value in strings.items():
        if isinstance(value, dict) and isinstance(value.get("text"), str) and isinstance(value.get("source"), str):
            out[str(key)] = Translation(value["text"], value["source"])
        else:
            bad.append(Problem(f"{path}: strings.{key}", "needs 'text' and 'source' (the English hash)"))
    if bad:
        raise InvalidInput(bad, what="translation file")
    return out


# -- coverage, findings, checks --------------------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    """How much of a content is translated into a language."""

    kind: str
    lang: str
    total: int
    translated: int  # present and made from the current English
    stale: int  # present, but made from an English string that has changed since
    missing: int
    obsolete: int = 0  # translated keys the content no longer has

    @property
    def complete(self) -> bool:
        return self.translated == self.total

    def describe(self, lang: str | None = None) -> str:
        """A sentence for readers (in ``lang``, default the setting) on how much of the text is
        translated, e.g. in a translated report: ``3 481 textes sur 3 492 traduits ; ...``."""
        from .formats import format_number
        from .messages import translator
        t = translator(lang)
        parts = [t.ngettext("%(translated)s of %(total)s text translated",
                            "%(translated)s of %(total)s texts translated",
                            self.total) % {"translated": format_number(self.translated, t.lang),
                                           "total": format_number(self.total, t.lang)}]
        if self.stale:
            parts.append(t.ngettext(
                "%(n)s text shown in English because its English source changed after it was translated",
                "%(n)s texts shown in English because their English source changed after they were translated",
                self.stale) % {"n": format_number(self.stale, t.lang)})
        if self.missing:
            parts.append(t.ngettext("%(n)s text shown in English because it is not translated yet",
                                    "%(n)s texts shown in English because they are not translated yet",
                                    self.missing) % {"n": format_number(self.missing, t.lang)})
        return t.pgettext("list separator", "; ").join(parts)

    def __str__(self) -> str:
        return (f"{self.kind} {self.lang}: {self.translated}/{self.total} translated, {self.stale} stale, "
                f"{self.missing} missing" + (f", {self.obsolete} obsolete" if self.obsolete else ""))


@dataclass(frozen=True)
class Finding:
    """A string that is shown in English in a language: ``missing`` or ``stale``."""

    status: str  # "missing" or "stale"
    key: str
    location: str
    english: str
    translation: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.key} at {self.location}"


@dataclass(frozen=True)
class ContentCheck:
    """What :func:`framework_check` / :func:`library_check` found: every missing or stale string
    (iterate over it), the obsolete keys and the :class:`Coverage`."""

    coverage: Coverage
    findings: list[Finding] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def missing(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "missing"]

    @property
    def stale(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "stale"]


def _describe(path: tuple, data) -> str:
    """``pillars[1](OPS).subareas[1](OPS.2).indicators[2](OPS.2.3).question``: list items with an
    ``id`` show it, as the framework's own problem locations do."""
    return describe_path(path, data, {})


def _check(kind: str, lang: str, entries: list[Entry], data: dict,
           translations: dict[str, Translation]) -> tuple[ContentCheck, dict[tuple, str]]:
    """The check of one content, and ``{path: translated text}`` for the strings that are up to date."""
    findings: list[Finding] = []
    texts: dict[tuple, str] = {}
    for entry in entries:
        tr = translations.get(entry.key)
        if tr is None or not tr.text.strip():
            findings.append(Finding("missing", entry.key, _describe(entry.path, data), entry.text))
        elif tr.source != source_hash(entry.text):
            findings.append(Finding("stale", entry.key, _describe(entry.path, data), entry.text, tr.text))
        else:
            texts[entry.path] = tr.text
    keys = {e.key for e in entries}
    obsolete = sorted(k for k in translations if k not in keys)
    stale = sum(f.status == "stale" for f in findings)
    coverage = Coverage(kind, lang, len(entries), len(texts), stale, len(findings) - stale, len(obsolete))
    return ContentCheck(coverage, findings, obsolete), texts


def _data(model) -> dict:
    return model if isinstance(model, dict) else model.model_dump(by_alias=True)


def framework_check(fw, lang: str, *, translations: str | Path | None = None) -> ContentCheck:
    """Every string of ``fw`` that is missing or stale in ``lang``, with its key and location.
    ``translations``: the folder of translation files (default: the shipped ones)."""
    lang = parse_lang(lang)
    entries = framework_entries(fw)
    if lang == SOURCE_LANG:
        return ContentCheck(Coverage("framework", lang, len(entries), len(entries), 0, 0))
    return _check("framework", lang, entries, _data(fw), load_translations("framework", lang, translations))[0]


def library_check(lib, lang: str, *, translations: str | Path | None = None) -> ContentCheck:
    """Every string of an action library that is missing or stale in ``lang``, located."""
    lang = parse_lang(lang)
    entries = library_entries(lib)
    if lang == SOURCE_LANG:
        return ContentCheck(Coverage("actions", lang, len(entries), len(entries), 0, 0))
    return _check("actions", lang, entries, _data(lib), load_translations("actions", lang, translations))[0]


# -- translated models -------------------------------------------------------------------------------
def _restore(base: type, data: dict, lang: str, coverage: Coverage):
    obj = _translated_type(base).model_validate(data)
    obj._lang, obj._coverage = lang, coverage
    return obj


def _reduce(self):
    base = next(c for c in type(self).__mro__[1:] if "_lang" not in getattr(c, "__private_attributes__", {}))
    return _restore, (base, _data(self), self._lang, self._coverage)


@functools.cache
def _translated_type(base: type) -> type:
    """A subclass of a model class (Framework, ActionLibrary) that also knows its language and
    coverage: everything else, every look-up and property, is the base class's own."""
    namespace = {
        "__module__": __name__,
        "__doc__": f"A {base.__name__} whose texts are in one language (``lang``); ``coverage`` "
                   "counts the strings that are translated, stale or missing (those stay English).",
        "__annotations__": {"_lang": str, "_coverage": object},
        "_lang": PrivateAttr(default=SOURCE_LANG),
        "_coverage": PrivateAttr(default=None),
        "lang": property(lambda self: self._lang),
        "coverage": property(lambda self: self._coverage),
        "__reduce__": _reduce,
    }
    return type(f"Translated{base.__name__}", (base,), namespace)


def _set(data, path: tuple, value: str) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


_CACHE: dict[tuple, tuple] = {}


def _translated(model, kind: str, lang: str, entries_of, directory):
    lang = parse_lang(lang)
    if lang == SOURCE_LANG or getattr(model, "lang", SOURCE_LANG) == lang:
        return model
    if getattr(model, "lang", SOURCE_LANG) != SOURCE_LANG:
        raise ValueError(f"translate the English {kind}, not one already in {model.lang}")
    path = translation_path(kind, lang, directory)
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    key = (id(model), kind, lang, str(path), stamp)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    data = _data(model)
    check, texts = _check(kind, lang, entries_of(model), data, load_translations(kind, lang, directory))
    for p, text in texts.items():
        _set(data, p, text)
    result = _translated_type(type(model)).model_validate(data)
    result._lang, result._coverage = lang, check.coverage
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (model, result)  # the model is kept so that its id is not reused while cached
    return result


def translated_framework(fw, lang: str | None = None, *, translations: str | Path | None = None):
    """The framework with every text in ``lang`` (default: the setting, ``WORKBOOK_LANG``).

    The result is a :class:`~workbook.framework.Framework` (same ids, structure, look-ups and
    scoring rules) with ``.lang`` and ``.coverage`` (a :class:`Coverage`); strings that are
    missing or stale in the translation stay English and are counted there. English gives ``fw``
    itself. Cached per framework, language and translation file.
    """
    from .. import config
    return _translated(fw, "framework", lang or config.language(), framework_entries, translations)


def translated_library(lib, lang: str | None = None, *, translations: str | Path | None = None):
    """The action library with every text in ``lang`` (as :func:`translated_framework`)."""
    from .. import config
    return _translated(lib, "actions", lang or config.language(), library_entries, translations)

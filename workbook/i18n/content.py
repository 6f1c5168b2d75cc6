"""Framework and action-library text by key, for translation.

Every translatable string of a framework (names, questions, guidance, descriptors, evidence
examples, criteria, ...) and of an action library has a stable key such as
``indicator.OPS.2.3.question`` or ``criterion.OPS.2.3.3a``. A translation file stores, for each key,
the translated text and a short hash of the English text it was made from; when the English changes,
the hash no longer matches and the translation is *stale* (shown in English until updated, and listed
by ``workbook framework check --lang``).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator


def source_hash(text: str) -> str:
    """A short fingerprint of an English source string (stale detection, not security)."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:10]


def framework_strings(fw) -> dict[str, str]:
    """``{key: English text}`` for every translatable string of a framework, in document order."""
    return dict(_framework_items(fw))


def _framework_items(fw) -> Iterator[tuple[str, str]]:
    yield "title", fw.title
    for lv in fw.scale.levels:
        yield f"scale.level.{lv.level}.name", lv.name
        yield f"scale.level.{lv.level}.summary", lv.summary
    for c in fw.scale.codes:
        yield f"scale.code.{c.code}.name", c.name
        yield f"scale.code.{c.code}.meaning", c.meaning
    for lens in fw.lenses:
        yield f"lens.{lens.id}.name", lens.name
        yield f"lens.{lens.id}.description", lens.description
    for t in fw.evidence_types:
        yield f"evidence_type.{t.id}.name", t.name
    for r in fw.evidence_rules:
        yield f"evidence_rule.{r.level}.text", r.text
    for c in fw.criticality:
        yield f"criticality.{c.id}.name", c.name
        yield f"criticality.{c.id}.meaning", c.meaning
    for k in fw.crossing_kinds:
        yield f"crossing_kind.{k.id}.name", k.name
    for a in fw.contribution_areas:
        yield f"contribution.{a.id}.name", a.name
        yield f"contribution.{a.id}.description", a.description
    for ref in fw.references:
        yield f"reference.{ref.id}.title", ref.title
    for p in fw.pillars:
        yield f"pillar.{p.id}.name", p.name
        yield f"pillar.{p.id}.description", p.description
        for sa in p.subareas:
            yield f"subarea.{sa.id}.name", sa.name
            yield f"subarea.{sa.id}.description", sa.description
            yield f"subarea.{sa.id}.criticality_reason", sa.criticality_reason
            if sa.aggregation_reason:
                yield f"subarea.{sa.id}.aggregation_reason", sa.aggregation_reason
            for ref in sa.refers_to:
                yield f"subarea.{sa.id}.refers.{ref.indicator}.why", ref.why
            for ind in sa.indicators:
                yield f"indicator.{ind.id}.name", ind.name
                yield f"indicator.{ind.id}.question", ind.question
                yield f"indicator.{ind.id}.guidance", ind.guidance
                for lv in ind.levels:
                    yield f"indicator.{ind.id}.level.{lv.level}.descriptor", lv.descriptor
                    for k, ev in enumerate(lv.evidence):
                        yield f"indicator.{ind.id}.level.{lv.level}.evidence.{k}", ev
                    for c in lv.criteria:
                        yield f"criterion.{c.id}.text", c.text


def library_strings(lib) -> dict[str, str]:
    """``{key: English text}`` for every translatable string of an action library."""
    out: dict[str, str] = {}
    for t in lib.action_types:
        out[f"action_type.{t.id}.name"] = t.name
    for pkg in getattr(lib, "packages", []):
        if getattr(pkg, "title", ""):
            out[f"package.{pkg.id}.title"] = pkg.title
    for a in lib.actions:
        out[f"action.{a.id}.title"] = a.title
        out[f"action.{a.id}.description"] = a.description
        if getattr(a, "output", ""):
            out[f"action.{a.id}.output"] = a.output
    return out

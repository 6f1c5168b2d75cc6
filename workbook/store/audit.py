"""The tamper-evident audit log: each assessment's entries form a hash chain.

Every :class:`~workbook.store.models.AuditEntry` gets, when it is flushed, the next ``seq`` of its
assessment's chain, the previous entry's hash (``prev_hash``) and its own ``hash``: SHA-256 over
the entry's content and ``prev_hash`` (:func:`entry_hash`). An edited entry no longer matches its
hash; a removed entry leaves a gap in ``seq`` or a ``prev_hash`` that points at nothing; entries
cut off at the end no longer reach the chain's head (:class:`~workbook.store.models.AuditHead`).
:func:`verify` walks every chain and reports the first broken link of each.

One chain per assessment (chain 0 holds changes that belong to no assessment): writers of
different assessments never wait for each other. Two writers of one assessment never fork its
chain: the writer locks the chain's head row until it commits (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite lets one writer in at a time), and ``(assessment_id, seq)`` is unique, so a
fork that got past the lock would be refused by the database (the store retries the call).

The hashing is done by a ``before_flush`` listener on every SQLAlchemy session, so an entry
added by any code (a store, an importer, a migration of framework versions) is chained; stores
write entries through :meth:`workbook.store.StoreBase._audit`.

What the chain does not do: someone who can write to the database can recompute every hash
after an edit. Keep the heads somewhere else (``workbook audit verify`` prints them; each
sign-off records the head it signed) to detect that too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .models import Assessment, AuditEntry, AuditHead, utcnow

HASH_VERSION = "mbm-audit-1"
#: The chain of entries that belong to no assessment (accounts, roles given out of one).
GLOBAL_CHAIN = 0


def _at(value: dt.datetime | None) -> str:
    return "" if value is None else value.replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(chain: int, seq: int, prev_hash: str, entity: str, entity_key: str, field: str, old, new,
               who: str, account: str | None, at: dt.datetime | None) -> str:
    """SHA-256 (hex) of one entry's content and the previous entry's hash, as canonical JSON."""
    content = [HASH_VERSION, int(chain), int(seq), prev_hash or "", entity or "", entity_key or "", field or "",
               old, new, who or "", account or "", _at(at)]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def hash_of(e: AuditEntry) -> str:
    return entry_hash(e.assessment_id, e.seq, e.prev_hash, e.entity, e.entity_key, e.field, e.old, e.new, e.who,
                      e.account, e.at)


def _lock_head(conn: Connection, chain: int) -> tuple[int, str]:
    """The chain's last ``(seq, hash)``, with its row locked until the transaction ends."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(AuditHead).values(chain=chain, seq=0, hash="")
                     .on_conflict_do_nothing(index_elements=["chain"]))
    elif dialect == "sqlite":
        conn.execute(sqlite.insert(AuditHead).values(chain=chain, seq=0, hash="")
                     .on_conflict_do_nothing(index_elements=["chain"]))
    else:  # pragma: no cover - the workbook runs on SQLite and PostgreSQL
        if conn.execute(select(AuditHead.chain).where(AuditHead.chain == chain)).first() is None:
            conn.execute(AuditHead.__table__.insert().values(chain=chain, seq=0, hash=""))
    row = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.chain == chain).with_for_update()).one()
    return int(row.seq), row.hash


def chain_entries(session: Session, entries: list[AuditEntry]) -> None:
    """Give ``entries`` (new, unflushed) their place in their chains, in the order they were added."""
    conn = session.connection()
    chains: dict[int, list[AuditEntry]] = {}
    for e in entries:
        chains.setdefault(int(e.assessment_id), []).append(e)
    for chain in sorted(chains):  # always the same order: two writers of two chains cannot deadlock
        seq, last = _lock_head(conn, chain)
        for e in chains[chain]:
            if e.at is None:
                e.at = utcnow()
            e.at = e.at.replace(tzinfo=None)
            seq += 1
            e.seq, e.prev_hash = seq, last
            e.hash = last = hash_of(e)
        conn.execute(update(AuditHead).where(AuditHead.chain == chain).values(seq=seq, hash=last))


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _flush_context, _instances) -> None:
    new = [o for o in session.new if isinstance(o, AuditEntry) and o.hash is None]
    if new:
        actor = session.info.get("actor")  # set by the store that opened the session, if it acts for someone
        for o in new:
            if o.account is None and actor is not None and actor.account_id:
                o.account = actor.username
        new.sort(key=lambda o: inspect(o).insert_order or 0)
        chain_entries(session, new)


def head(conn: Connection | Session, chain: int) -> str:
    """The chain's last hash ("" when it has no entry)."""
    value = conn.execute(select(AuditHead.hash).where(AuditHead.chain == chain)).scalar()
    return value or ""


# -- checking -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrokenLink:
    """The first place where a chain does not hold."""

    chain: int
    label: str
    entry_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id} (number {self.seq} of the chain)" if self.entry_id else "its end"
        return f"audit log of {self.label}: broken at {where}: {self.problem}"


@dataclass(frozen=True)
class ChainState:
    chain: int
    label: str
    entries: int
    head: str
    broken: BrokenLink | None


def _describe(e: AuditEntry) -> str:
    return f"{e.at:%Y-%m-%d %H:%M:%S} {e.entity} {e.entity_key} {e.field} by {e.who}"


def verify_chain(s: Session, chain: int, label: str) -> ChainState:
    """Walk one chain in order; the first entry that does not hold, or None."""
    expected_prev, n, broken = "", 0, None
    for e in s.scalars(select(AuditEntry).where(AuditEntry.assessment_id == chain)
                       .order_by(AuditEntry.seq, AuditEntry.id)).yield_per(500):
        n += 1
        if broken is not None:
            continue
        if e.seq is None or e.hash is None:
            broken = BrokenLink(chain, label, e.id, e.seq, f"{_describe(e)}: it has no hash (written around the "
                                                           "store, or its hash was wiped)")
        elif e.seq != n:
            why = "an entry before it was removed" if e.seq > n else "a number is repeated"
            broken = BrokenLink(chain, label, e.id, e.seq, f"{_describe(e)}: expected entry number {n}; {why}")
        elif (e.prev_hash or "") != expected_prev:
            broken = BrokenLink(chain, label, e.id, e.seq, f"{_describe(e)}: it does not follow the entry before it "
                                                           "(an entry was removed or replaced)")
        elif hash_of(e) != e.hash:
            broken = BrokenLink(chain, label, e.id, e.seq, f"{_describe(e)}: its content no longer matches its hash "
                                                           "(it was edited after it was written)")
        expected_prev = e.hash or ""
    h = s.get(AuditHead, chain)
    if broken is None and n and (h is None or h.seq != n or h.hash != expected_prev):
        broken = BrokenLink(chain, label, None, None, f"the chain ends at entry number {n} but its head says "
                                                      f"{h.seq if h else 'nothing'}: entries were cut off or the "
                                                      "head was changed")
    elif broken is None and not n and h is not None and h.seq:
        broken = BrokenLink(chain, label, None, None, f"every entry is gone, but its head says {h.seq}")
    return ChainState(chain, label, n, expected_prev, broken)


def verify(engine: Engine, assessment_ids: list[int] | None = None) -> list[ChainState]:
    """Check every chain (or those of ``assessment_ids``); one :class:`ChainState` each."""
    with Session(engine) as s:
        labels = {a.id: f"{a.country_code} {a.round} (assessment {a.id})"
                  for a in s.scalars(select(Assessment))}
        chains = set(s.scalars(select(AuditEntry.assessment_id).distinct())) | set(s.scalars(select(AuditHead.chain)))
        if assessment_ids is not None:
            chains &= set(assessment_ids)
        labels[GLOBAL_CHAIN] = "accounts and roles (chain 0)"
        return [verify_chain(s, c, labels.get(c, f"removed assessment {c}")) for c in sorted(chains)]

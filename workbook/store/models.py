"""Database tables (SQLAlchemy 2 ORM). Schema changes go through Alembic migrations."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint, false, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Assessment(Base):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("country_code", "round", name="uq_assessment_country_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(3), index=True)
    country_name: Mapped[str] = mapped_column(String(120))
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    round: Mapped[str] = mapped_column(String(60))
    framework_id: Mapped[str] = mapped_column(String(80))
    framework_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: The kinds of crossing point the country has (framework 2.0 ``crossing_kinds`` ids); None
    #: until the team records them (then every criterion applies).
    crossing_kinds: Mapped[list | None] = mapped_column(JSON, nullable=True)
    island: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    landlocked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    team: Mapped[list[TeamMember]] = relationship(back_populates="assessment", cascade="all, delete-orphan",
                                                  order_by="TeamMember.id")
    ratings: Mapped[list[Rating]] = relationship(back_populates="assessment", cascade="all, delete-orphan")


class TeamMember(Base):
    __tablename__ = "team_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))  # international | national

    assessment: Mapped[Assessment] = relationship(back_populates="team")


class Rating(Base):
    """One indicator of one assessment. ``version`` is the optimistic-locking counter."""

    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_id", name="uq_rating_indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(20))
    national: Mapped[str | None] = mapped_column(String(2), nullable=True)
    external: Mapped[str | None] = mapped_column(String(2), nullable=True)
    agreed: Mapped[str | None] = mapped_column(String(2), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Why the agreed level differs from the level the ticked criteria give (framework 2.0).
    override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    #: Confidential finding: the indicator's levels, note and evidence are left out of what
    #: donors see, and the scores donors see are computed without it.
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Confidential note only (the levels may be shown).
    notes_restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="rating", cascade="all, delete-orphan",
                                                    order_by="Evidence.id")


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(500))
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str] = mapped_column(String(500), default="")
    supplied_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: Observed at this site visit: the record is written and kept in step by the mission store
    #: from the visit's checklist (one per visit and indicator); None for a typed record.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    #: Confidential: left out of what donors see (brief, comparison, donor exports).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    rating: Mapped[Rating] = relationship(back_populates="evidence")


class AuditEntry(Base):
    """Every change: who, when, what, old value, new value. Never updated or deleted.

    Entries of one assessment form a hash chain (``seq`` 1, 2, ...; each ``hash`` covers the
    entry and the previous entry's hash): :mod:`workbook.store.audit` fills these when an entry
    is flushed, and ``workbook audit verify`` finds the first broken link.
    """

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("assessment_id", "seq", name="uq_audit_chain_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Integer, index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_key: Mapped[str] = mapped_column(String(40), default="")
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text, nullable=True)
    new: Mapped[str | None] = mapped_column(Text, nullable=True)
    who: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, server_default=func.current_timestamp())
    #: The signed-in account that made the change (None when accounts are off).
    account: Mapped[str | None] = mapped_column(String(60), nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """The last link of each assessment's audit chain: locked by every writer of the chain (so two
    writers never fork it), and compared by ``workbook audit verify`` (so cut-off entries show)."""

    __tablename__ = "audit_head"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")


# -- road map: targets, exposure, recommendations, initiatives (workbook/roadmap) ------------


class SubareaTarget(Base):
    """A team's edit of a sub-area's short- or long-term target, with its reason.

    ``None`` means the framework default (current + 1; the criticality's long-term target).
    """

    __tablename__ = "subarea_target"
    __table_args__ = (UniqueConstraint("assessment_id", "subarea_id", name="uq_subarea_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    subarea_id: Mapped[str] = mapped_column(String(20))
    short_term: Mapped[int | None] = mapped_column(Integer, nullable=True)
    short_reason: Mapped[str] = mapped_column(Text, default="")
    long_term: Mapped[int | None] = mapped_column(Integer, nullable=True)
    long_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class AssessmentExposure(Base):
    """How exposed the country is (1 low - 3 high: traffic volume, threat), with the reason."""

    __tablename__ = "assessment_exposure"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class Recommendation(Base):
    """One recommendation of an assessment; ``version`` is the optimistic-locking counter."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    subarea_id: Mapped[str] = mapped_column(String(20))
    indicator_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    target_level: Mapped[int] = mapped_column(Integer)
    action_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_agency: Mapped[str] = mapped_column(String(200), default="")
    partners: Mapped[list] = mapped_column(JSON, default=list)
    cost_band: Mapped[str | None] = mapped_column(String(10), nullable=True)
    amount: Mapped[float | None] = mapped_column(Numeric(18, 2, asdecimal=False), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    funding_status: Mapped[str] = mapped_column(String(20), default="gap")
    horizon: Mapped[str] = mapped_column(String(10))
    completion_indicator: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    source_action_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class RecommendationPrerequisite(Base):
    """``recommendation_id`` needs ``prerequisite_id`` done first (same assessment)."""

    __tablename__ = "recommendation_prerequisite"

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True)
    prerequisite_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)


class Initiative(Base):
    """An existing or planned capacity-building initiative in a country (the donor map).

    Kept per country, across rounds; ``assessment_id`` is the round it was recorded in (its
    audit trail lives there).
    """

    __tablename__ = "initiative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(3), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    donor: Mapped[str] = mapped_column(String(200))
    implementer: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(500))
    budget: Mapped[float | None] = mapped_column(Numeric(18, 2, asdecimal=False), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")

    scope: Mapped[list[InitiativeScope]] = relationship(cascade="all, delete-orphan", order_by="InitiativeScope.id")


class InitiativeScope(Base):
    """A sub-area (and optionally one of its indicators) an initiative addresses."""

    __tablename__ = "initiative_scope"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    subarea_id: Mapped[str] = mapped_column(String(20))
    indicator_id: Mapped[str | None] = mapped_column(String(20), nullable=True)


class SignOff(Base):
    """One step of the review workflow: who moved the assessment to which status, when, and why."""

    __tablename__ = "sign_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: The signed-in account that signed (None when accounts are off).
    account: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: The audit chain's last hash when it was signed: what the signature vouches for.
    audit_head: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CriterionAnswer(Base):
    """The team's answer to one criterion (framework 2.0): ``yes``, ``no`` or ``na``."""

    __tablename__ = "criterion_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_id", name="uq_criterion_answer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(24))
    answer: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class ModerationEntry(Base):
    """One indicator discussed in the team's consensus (moderation) session: who took part, when,
    the agreed value before and after, and why."""

    __tablename__ = "moderation_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[dt.date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(String(2), nullable=True)
    after: Mapped[str | None] = mapped_column(String(2), nullable=True)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# -- the field mission (workbook/mission) ----------------------------------------------------


class MissionPlan(Base):
    """The terms of reference of an assessment's field mission: objectives, scope, dates, roles."""

    __tablename__ = "mission_plan"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)
    #: ``[{"name", "duty"}]``: the mission role of each team member (team lead, assessor, ...).
    roles: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class MissionDocument(Base):
    """A document of the desk review: requested from whom and when, received when (None: not yet)."""

    __tablename__ = "mission_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    requested_from: Mapped[str] = mapped_column(String(200), default="")
    requested: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    received: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CrossingPoint(Base):
    """One post of the crossing-point register (or an inland office) of an assessment."""

    __tablename__ = "crossing_point"
    __table_args__ = (UniqueConstraint("assessment_id", "code", name="uq_crossing_point_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    #: The team's short code of the post (``XAT-AIR-1``), unique in the assessment.
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(120), default="")
    #: The ISO 3166-2 code of the region, when the country is real and the region was found.
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    lat: Mapped[float | None] = mapped_column(Numeric(9, 5, asdecimal=False), nullable=True)
    lon: Mapped[float | None] = mapped_column(Numeric(9, 5, asdecimal=False), nullable=True)
    traffic: Mapped[int | None] = mapped_column(Integer, nullable=True)  # people crossing per year
    traffic_source: Mapped[str] = mapped_column(String(500), default="")
    traffic_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    booths: Mapped[int | None] = mapped_column(Integer, nullable=True)
    officers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    women_officers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interpol: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    api_pnr: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    bmis: Mapped[str | None] = mapped_column(String(10), nullable=True)  # online | offline | paper | none
    equipment: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class MissionEvent(Base):
    """One entry of the mission's schedule: a planned visit, a meeting, a briefing, a workshop."""

    __tablename__ = "mission_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("crossing_point.id", ondelete="CASCADE"), nullable=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")


class SiteVisit(Base):
    """A visit of the team to a post: why it was chosen, who went, what was observed."""

    __tablename__ = "site_visit"
    __table_args__ = (UniqueConstraint("post_id", "day", name="uq_site_visit_post_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("crossing_point.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    why: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[list] = mapped_column(JSON, default=list)
    key_observations: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")

    observations: Mapped[list[VisitObservation]] = relationship(cascade="all, delete-orphan",
                                                                order_by="VisitObservation.id")


class VisitObservation(Base):
    """One checklist item (a framework criterion) observed at a visit: ``yes``, ``no`` or ``na``."""

    __tablename__ = "visit_observation"
    __table_args__ = (UniqueConstraint("visit_id", "criterion_id", name="uq_visit_observation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(24))
    result: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(Text, default="")


class Interview(Base):
    """One interview of the mission. Never a name: role, agency, sex, date, place, consent,
    anonymity and a summary. Visible to the assessment team only (see workbook.mission.store)."""

    __tablename__ = "interview"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("crossing_point.id", ondelete="SET NULL"), nullable=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    consent: Mapped[bool] = mapped_column(Boolean)
    anonymity: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class Attachment(Base):
    """A photo or document of the mission, linked to one visit, interview or evidence record.
    The bytes are a file named by their SHA-256 in the attachments folder (``config.attachments_dir``)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"), nullable=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    #: True when the team kept the location metadata (EXIF GPS) on purpose.
    location_kept: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
# -- road map funding: quantities, cost catalogue, rates, committed packages (workbook/roadmap/funding.py)


class _Versioned:
    """Columns every editable road-map funding row has: its version (optimistic locking) and who
    changed it last, when."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class _AssessmentRow(_Versioned):
    """A row of one assessment, with its own id."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)


class RoadmapQuantity(_AssessmentRow, Base):
    """How many posts (of a kind), booths, officers or regions the costing multiplies by.

    ``low``/``high`` give a range when the count is uncertain (equal when known). ``source`` says
    who filled it: ``team`` by hand, ``register`` from the crossing-point register.
    """

    __tablename__ = "roadmap_quantity"
    __table_args__ = (UniqueConstraint("assessment_id", "measure", "kind", name="uq_roadmap_quantity"),)

    measure: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12), default="")
    low: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    high: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    source: Mapped[str] = mapped_column(String(10), default="team")
    note: Mapped[str] = mapped_column(Text, default="")


class RoadmapUnitCost(_AssessmentRow, Base):
    """The team's price for one unit of a cost-catalogue item (overrides the shipped default)."""

    __tablename__ = "roadmap_unit_cost"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", name="uq_roadmap_unit_cost"),)

    item_id: Mapped[str] = mapped_column(String(40))
    low: Mapped[float] = mapped_column(Numeric(18, 2, asdecimal=False))
    high: Mapped[float] = mapped_column(Numeric(18, 2, asdecimal=False))
    currency: Mapped[str] = mapped_column(String(3))
    price_year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")


class RoadmapRate(_AssessmentRow, Base):
    """An exchange rate the team enters: how many US dollars one unit of ``currency`` buys."""

    __tablename__ = "roadmap_rate"
    __table_args__ = (UniqueConstraint("assessment_id", "currency", name="uq_roadmap_rate"),)

    currency: Mapped[str] = mapped_column(String(3))
    usd_per_unit: Mapped[float] = mapped_column(Numeric(18, 8, asdecimal=False))
    source: Mapped[str] = mapped_column(Text, default="")


class RoadmapPackage(_AssessmentRow, Base):
    """An investment package's place in the road map: committed or in the backlog (with why), the
    government's share, who funds it."""

    __tablename__ = "roadmap_package"
    __table_args__ = (UniqueConstraint("assessment_id", "package_id", name="uq_roadmap_package"),)

    package_id: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10), default="backlog")
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    government_share: Mapped[float | None] = mapped_column(Numeric(5, 4, asdecimal=False), nullable=True)
    funded_by: Mapped[str] = mapped_column(String(200), default="")
    funding_status: Mapped[str] = mapped_column(String(20), default="gap")


class RoadmapCommitment(_Versioned, Base):
    """The team's note on the committed road map: why this many packages, in this order."""

    __tablename__ = "roadmap_commitment"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")
# -- accounts, sessions and roles (workbook/store/access.py, workbook/store/accounts.py) ----------


class Account(Base):
    """A person who signs in: with a password here (``source`` local, argon2 hash) or through
    JupyterHub (``source`` hub, no password)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(10), default="local")
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: May create assessments (and becomes the team lead of those created).
    may_create: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AccountSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "account_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    client: Mapped[str] = mapped_column(String(200), default="")


class AssessmentRole(Base):
    """A person's role in one assessment (one role per person and assessment)."""

    __tablename__ = "assessment_role"
    __table_args__ = (UniqueConstraint("assessment_id", "account_id", name="uq_assessment_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    granted_by: Mapped[str] = mapped_column(String(120), default="")
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Comment(Base):
    """A reviewer's (or anyone's with a role) comment on an assessment or one of its indicators."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(120))
    account: Mapped[str | None] = mapped_column(String(60), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

"""Test databases on SQLite and PostgreSQL: made from templates (fast), dropped afterwards."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbook.store import Store, db
from workbook.demo import load_demo

PG_ADMIN_URL = os.environ.get("WORKBOOK_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgresql"]


class PostgresDatabases:
    """Creates databases from templates (fast: a file copy inside the server) and drops them."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.templates: dict[str, str] = {}

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def template(self, kind: str) -> str:
        if kind not in self.templates:
            name = f"mbm_tpl_{kind}_{uuid.uuid4().hex[:8]}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = self.url(name)
            db.upgrade(url)
            if kind == "demo":
                load_demo(Store(url))
            db.get_engine(url).dispose()
            self.templates[kind] = name
        return self.templates[kind]

    def create(self, kind: str) -> str:
        """A new database: "blank" (never migrated), "empty" (migrated) or "demo" (demo loaded)."""
        name = f"mbm_test_{uuid.uuid4().hex[:12]}"
        template = "" if kind == "blank" else f' TEMPLATE "{self.template(kind)}"'
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        return self.url(name)

    def drop(self, url: str) -> None:
        db.get_engine(url).dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.templates.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def new_database(kind: str, backend: str, request, path: Path) -> str:
    """A new "blank", "empty" or "demo" database on ``backend`` (SQLite: the file ``path``), dropped or
    disposed of when ``request``'s scope ends. Module-scoped fixtures use it directly."""
    if backend == "postgresql":
        dbs = request.getfixturevalue("pg_databases")
        url = dbs.create(kind)
        request.addfinalizer(lambda: dbs.drop(url))
        return url
    url = f"sqlite:///{path}"
    if kind == "demo":
        shutil.copy(request.getfixturevalue("demo_db_template"), path)
    elif kind == "empty":
        db.upgrade(url)
    request.addfinalizer(lambda: db.get_engine(url).dispose())
    return url


def clear_roadmap(store, country: str, round: str) -> None:
    """Remove a round's recommendations and its country's initiatives (the demo commits a road map;
    tests that build one from nothing start here). Test support only: writes through SQL."""
    from sqlalchemy import delete, select

    from workbook.store.models import Initiative, InitiativeScope, Recommendation, RecommendationPrerequisite
    a = store.get_assessment(country, round)
    with store._sessions.begin() as s:
        ids = list(s.scalars(select(Recommendation.id).where(Recommendation.assessment_id == a.id)))
        s.execute(delete(RecommendationPrerequisite).where(RecommendationPrerequisite.recommendation_id.in_(ids)))
        s.execute(delete(Recommendation).where(Recommendation.id.in_(ids)))
        inis = list(s.scalars(select(Initiative.id).where(Initiative.country_code == a.country_code)))
        s.execute(delete(InitiativeScope).where(InitiativeScope.initiative_id.in_(inis)))
        s.execute(delete(Initiative).where(Initiative.id.in_(inis)))

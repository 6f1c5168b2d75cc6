"""The pages of the app, which the notebooks call (Voila and JupyterLab).

* :func:`open_home` (``home.ipynb``): your name, the assessments, a form to create one;
* :func:`open_pillar` (one notebook per pillar): the data-entry form, scores table and chart;
* :func:`open_roadmap` (``roadmap.ipynb``): targets, suggestions, recommendations, road map,
  initiatives and follow-up;
* :func:`open_mission` (``mission.ipynb``): the field mission: plan, coverage, register, schedule,
  visits, desk review;
* :func:`open_results` (``results.ipynb``): review and sign-off, reports, files for field work
  and bringing a filled file back;
* :func:`browse_framework` (``framework.ipynb``): the framework as the assessors rate it.

Each page is a module (a package for the road map) that imports no other page: what pages
share is in :mod:`.address` (notebook names, page addresses, opening an assessment or showing
the problem with links) and :mod:`.forms` (the data-entry widgets); what they draw comes from
:mod:`workbook.present`.
"""
from __future__ import annotations

from .framework import browse_framework
from .home import HomePage, open_home
from .mission import open_mission
from .pillar import PillarPage, open_pillar
from .results import ResultsPage, open_results
from .roadmap import RoadmapPage, open_roadmap

__all__ = ["HomePage", "PillarPage", "ResultsPage", "RoadmapPage", "browse_framework", "open_home", "open_mission",
           "open_pillar", "open_results", "open_roadmap"]

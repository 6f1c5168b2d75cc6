"""Batch runs: the pillar notebooks per country with papermill, then the reports.

:mod:`.jobs` plans and checks the work (one picklable job per country, the fingerprint that
skips unchanged countries, one notebook run with papermill); :mod:`.engine` is the warm-kernel
papermill engine ``mbm-warm`` (also usable as ``papermill --engine mbm-warm``); :mod:`.run`
runs the jobs on a process pool or a Dask cluster and writes each country's folder atomically.
"""
from __future__ import annotations

from .jobs import (ENGINES, FORMATS, PILLAR_NOTEBOOKS, WARM_ENGINE, BatchError, ComparisonJob, CountryJob,
                   CountryResult, NotebookFailure, UnknownParameter, check_parameters, plan_jobs, run_notebook)
from .run import InlineExecutor, batch, format_summary, run_batch, run_comparison, run_country

__all__ = ["ENGINES", "FORMATS", "PILLAR_NOTEBOOKS", "WARM_ENGINE", "BatchError", "ComparisonJob", "CountryJob",
           "CountryResult", "InlineExecutor", "NotebookFailure", "UnknownParameter", "batch", "check_parameters",
           "format_summary", "plan_jobs", "run_batch", "run_comparison", "run_country", "run_notebook"]

"""Every word the results page shows, in one place, marked for the catalogues (``N_``): the page
translates each where it shows it, in its language (``words(lang)``). Placeholders are
``str.format`` fields (``{name}``), kept by every translation."""
from __future__ import annotations

from ...i18n.messages import N_, translator


def words(lang: str | None):
    """The page's ``gettext`` in ``lang`` (English when none)."""
    return translator(lang or "en").gettext


TITLE = N_("Reports, files and review")
NAV_LABEL = N_("Pages of this assessment")
ALL = N_("All assessments")
ROADMAP = N_("Road map")
MISSION = N_("Field mission")
YOUR_NAME = N_("Your name")
NAME_HINT = N_("required before signing or importing")
FRAMEWORK = N_("framework {id} {version}")

# -- review ---------------------------------------------------------------------------------------
REVIEW = N_("Review and sign-off")
REVIEW_HELP = N_("An assessment moves from draft to in review, validated (signed by the national counterpart) "
                  "and final. Every step is signed with your name, role and organisation and shown in the reports. "
                  "A final assessment can no longer be changed; reopening it needs a reason.")
STATUS_NOW = N_("Status: {status}")
STATUS_SINCE = N_("since {at} UTC, by {name} ({role})")
ROLE, ORGANISATION, COMMENT = N_("Your role"), N_("Organisation"), N_("Comment")
COMMENT_HINT = N_("why (needed to reopen a final assessment)")
ROLES = {"team": N_("Assessment team"), "team_leader": N_("Team leader"),
         "national_counterpart": N_("National counterpart"), "reviewer": N_("Reviewer")}
MOVES = {("draft", "in_review"): N_("Send for review"), ("in_review", "draft"): N_("Back to draft"),
         ("in_review", "validated"): N_("Validate (national counterpart)"), ("validated", "draft"): N_("Back to draft"),
         ("validated", "final"): N_("Make final"), ("final", "draft"): N_("Reopen as draft")}
MOVED = N_("{country} {round} is now {status}")
NOT_MOVED = N_("not changed: {why}")
TRAIL = N_("Sign-off trail")
TRAIL_COLUMNS = [N_("When (UTC)"), N_("From"), N_("To"), N_("Name"), N_("Role"), N_("Organisation"), N_("Comment")]
TRAIL_EMPTY = N_("No sign-offs yet.")
FINAL_NOTE = N_("This assessment is final: ratings, evidence and the road map can no longer be changed.")

# -- reports and files ----------------------------------------------------------------------------
REPORTS = N_("Reports")
REPORTS_HELP = N_("Built from what is saved now. A report is built again only when something it shows has "
                   "changed; otherwise the last one is handed over at once.")
DOCUMENTS = {("report", "html"): N_("Country report (web page)"), ("report", "pdf"): N_("Country report (PDF)"),
             ("brief", "html"): N_("Donor brief (web page)"), ("brief", "pdf"): N_("Donor brief (PDF)")}
FILES = N_("Files for field work")
FILES_HELP = N_("The Excel workbook and the XLSForm (KoboToolbox or ODK) are for collecting ratings offline; "
                 "the package is the whole assessment in one file, to move it to another installation.")
EXPORTS = {"xlsx": N_("Excel workbook"), "xlsform": N_("XLSForm (KoboToolbox, ODK)"), "json": N_("Package (one file)")}
FILE_NAMES = {("report", "html"): "report.html", ("report", "pdf"): "report.pdf",
              ("brief", "html"): "brief.html", ("brief", "pdf"): "brief.pdf"}
BUSY = N_("Another file is being made on this page; wait for it to finish.")
WAITING = N_("Waiting for {n} other report(s) to finish first…")
BUILDING = N_("Making the {what}…")
STARTING = N_("Making the {what}: starting the report service first, so this first report takes longer "
               "(up to a minute); the next ones are quicker…")
STEPS = {"check": N_("checking what changed"), "report data": N_("reading the assessment"),
         "report": N_("writing the country report"), "brief": N_("writing the donor brief")}
STEP_NOTEBOOK = N_("scoring the {pillar} pillar")
STEP_LINE = N_("{what}: {step} ({seconds:.0f} s)")
READY = N_("Ready: {what}")
READY_UNCHANGED = N_("Nothing had changed since it was last made.")
SAVED_AT = N_("Saved as {path}")  # outside the app (JupyterLab): analysts open the folder themselves
DOWNLOAD = N_("Download: {what} ({size})")
FAILED = N_("The {what} could not be made: {why}")
REPORT_NOT_FOR_ROLE = N_("your role reads what is cleared for donors; the full report may hold restricted "
                          "findings: ask for the donor brief, which leaves them out")
FAILED_NOTEBOOK = N_("the {pillar} pillar stopped with {error}. Check that pillar's ratings and notes; if this "
                      "happens again, give this message to the administrator (the server's log has the details).")
FAILED_UNAVAILABLE = N_("the report service did not answer. Try again in a minute; if it goes on, ask the "
                         "administrator to restart the server.")

# -- import ---------------------------------------------------------------------------------------
IMPORT = N_("Bring back a filled file")
IMPORT_HELP = N_("Upload a filled Excel workbook, a KoboToolbox or ODK submissions export, or a package of this "
                  "assessment (at most {limit} MiB). Nothing is saved until you confirm: first you see what would "
                  "change, and what was changed here since the file was made.")
UPLOAD = N_("Choose a file")
CHECKING = N_("Reading {name}…")
NOT_READ = N_("The file was not read")
OTHER_ASSESSMENT = N_("this file is for {theirs}, not {ours}: open that assessment's page of reports and files to "
                       "import it")
NEW_ASSESSMENT = N_("this package holds an assessment that does not exist here ({theirs}); ask the administrator "
                     "to import it with `workbook import`")
PLAN_TITLE = N_("What importing {name} would do")
PLAN_NOTHING = N_("Nothing to change: the database already holds everything in this file.")
PLAN_CHANGES = N_("{n} value(s) of {k} indicator(s) would change")
PLAN_CONFLICTS = N_("{n} value(s) were changed here after the file was made; they are kept unless you tick "
                     "the box below")
PLAN_ANSWERS = N_("{n} criterion answer(s) or note(s) of {k} indicator(s) would change")
PLAN_PROFILE = N_("The crossing-point profile would become: {what}")
PLAN_EVIDENCE = N_("{n} evidence record(s) would be added")
PLAN_DUPLICATES = N_("{n} evidence record(s) of the file are already here and are left out")
PLAN_EXTRA = N_("and: {what}")
CHANGES = N_("Changes")
CHANGED_HERE = N_("Changed here since the file was made")
EMPTY = N_("(empty)")
WORKING = N_("working")
CHANGE_COLUMNS = [N_("Where in the file"), N_("Indicator"), N_("Field"), N_("Now"), N_("In the file")]
CONFLICT_COLUMNS = [N_("Where in the file"), N_("Indicator"), N_("Field"), N_("Here now"), N_("In the file"),
                    N_("Changed here by")]
OVERWRITE = N_("Replace the values changed here with those of the file")
CONFIRM = N_("Import")
CONFIRM_N = N_("Import {n} change(s)")
CANCEL = N_("Cancel")
IMPORTED = N_("Imported {name}: {what}, saved in one transaction.")
IMPORT_STALE = N_("not imported: the assessment changed while you were looking at the plan ({why}). "
                   "Check the file again to see the new plan.")
CHECK_AGAIN = N_("Check the file again")
NAME_NEEDED = N_("enter your name in “Your name” at the top of the page first")

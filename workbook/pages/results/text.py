"""Every word the results page shows, in one place (to be wrapped for translation)."""
from __future__ import annotations

TITLE = "Reports, files and review"
NAV_LABEL = "Pages of this assessment"
ALL = "All assessments"
ROADMAP = "Road map"
MISSION = "Field mission"

# -- review ---------------------------------------------------------------------------------------
REVIEW = "Review and sign-off"
REVIEW_HELP = ("An assessment moves from draft to in review, validated (signed by the national counterpart) "
               "and final. Every step is signed with your name, role and organisation and shown in the reports. "
               "A final assessment can no longer be changed; reopening it needs a reason.")
STATUS_NOW = "Status: {status}"
STATUS_SINCE = "since {at} UTC, by {name} ({role})"
ROLE, ORGANISATION, COMMENT = "Your role", "Organisation", "Comment"
COMMENT_HINT = "why (needed to reopen a final assessment)"
ROLES = {"team": "Assessment team", "team_leader": "Team leader", "national_counterpart": "National counterpart",
         "reviewer": "Reviewer"}
MOVES = {("draft", "in_review"): "Send for review", ("in_review", "draft"): "Back to draft",
         ("in_review", "validated"): "Validate (national counterpart)", ("validated", "draft"): "Back to draft",
         ("validated", "final"): "Make final", ("final", "draft"): "Reopen as draft"}
MOVED = "{country} {round} is now {status}"
NOT_MOVED = "not changed: {why}"
TRAIL = "Sign-off trail"
TRAIL_COLUMNS = ["When (UTC)", "From", "To", "Name", "Role", "Organisation", "Comment"]
TRAIL_EMPTY = "No sign-offs yet."
FINAL_NOTE = "This assessment is final: ratings, evidence and the road map can no longer be changed."

# -- reports and files ----------------------------------------------------------------------------
REPORTS = "Reports"
REPORTS_HELP = ("Built from what is saved now. A report is built again only when something it shows has "
                "changed; otherwise the last one is handed over at once.")
DOCUMENTS = {("report", "html"): "Country report (web page)", ("report", "pdf"): "Country report (PDF)",
             ("brief", "html"): "Donor brief (web page)", ("brief", "pdf"): "Donor brief (PDF)"}
FILES = "Files for field work"
FILES_HELP = ("The Excel workbook and the XLSForm (KoboToolbox or ODK) are for collecting ratings offline; "
              "the package is the whole assessment in one file, to move it to another installation.")
EXPORTS = {"xlsx": "Excel workbook", "xlsform": "XLSForm (KoboToolbox, ODK)", "json": "Package (one file)"}
FILE_NAMES = {("report", "html"): "report.html", ("report", "pdf"): "report.pdf",
              ("brief", "html"): "brief.html", ("brief", "pdf"): "brief.pdf"}
BUSY = "Another file is being made on this page; wait for it to finish."
WAITING = "Waiting for {n} other report(s) to finish first…"
BUILDING = "Making the {what}…"
STARTING = ("Making the {what}: starting the report service first, so this first report takes longer "
            "(up to a minute); the next ones are quicker…")
STEPS = {"check": "checking what changed", "report data": "reading the assessment",
         "report": "writing the country report", "brief": "writing the donor brief"}
STEP_NOTEBOOK = "scoring the {pillar} pillar"
STEP_LINE = "{what}: {step} ({seconds:.0f} s)"
READY = "Ready: {what}"
READY_UNCHANGED = "Nothing had changed since it was last made."
SAVED_AT = "Saved as {path}"  # outside the app (JupyterLab): analysts open the folder themselves
DOWNLOAD = "Download: {what} ({size})"
FAILED = "The {what} could not be made: {why}"
REPORT_NOT_FOR_ROLE = ("your role reads what is cleared for donors; the full report may hold restricted "
                       "findings: ask for the donor brief, which leaves them out")
FAILED_NOTEBOOK = ("the {pillar} pillar stopped with {error}. Check that pillar's ratings and notes; if this "
                   "happens again, give this message to the administrator (the server's log has the details).")
FAILED_UNAVAILABLE = ("the report service did not answer. Try again in a minute; if it goes on, ask the "
                      "administrator to restart the server.")

# -- import ---------------------------------------------------------------------------------------
IMPORT = "Bring back a filled file"
IMPORT_HELP = ("Upload a filled Excel workbook, a KoboToolbox or ODK submissions export, or a package of this "
               "assessment (at most {limit} MiB). Nothing is saved until you confirm: first you see what would "
               "change, and what was changed here since the file was made.")
UPLOAD = "Choose a file"
CHECKING = "Reading {name}…"
NOT_READ = "The file was not read"
OTHER_ASSESSMENT = ("this file is for {theirs}, not {ours}: open that assessment's page of reports and files to "
                    "import it")
NEW_ASSESSMENT = ("this package holds an assessment that does not exist here ({theirs}); ask the administrator "
                  "to import it with `workbook import`")
PLAN_TITLE = "What importing {name} would do"
PLAN_NOTHING = "Nothing to change: the database already holds everything in this file."
PLAN_CHANGES = "{n} value(s) of {k} indicator(s) would change"
PLAN_CONFLICTS = ("{n} value(s) were changed here after the file was made; they are kept unless you tick "
                  "the box below")
PLAN_ANSWERS = "{n} criterion answer(s) or note(s) of {k} indicator(s) would change"
PLAN_PROFILE = "The crossing-point profile would become: {what}"
PLAN_EVIDENCE = "{n} evidence record(s) would be added"
PLAN_DUPLICATES = "{n} evidence record(s) of the file are already here and are left out"
PLAN_EXTRA = "and: {what}"
CHANGE_COLUMNS = ["Where in the file", "Indicator", "Field", "Now", "In the file"]
CONFLICT_COLUMNS = ["Where in the file", "Indicator", "Field", "Here now", "In the file", "Changed here by"]
OVERWRITE = "Replace the values changed here with those of the file"
CONFIRM = "Import"
CONFIRM_N = "Import {n} change(s)"
CANCEL = "Cancel"
IMPORTED = "Imported {name}: {what}, saved in one transaction."
IMPORT_STALE = ("not imported: the assessment changed while you were looking at the plan ({why}). "
                "Check the file again to see the new plan.")
CHECK_AGAIN = "Check the file again"
NAME_NEEDED = "enter your name in “Your name” at the top of the page first"

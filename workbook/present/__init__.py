"""The presentation kit of the pages and the reports: one HTML kit (:mod:`.html`), one palette
(:mod:`.palette`) and the charts (:mod:`.charts`), each returning its SVG with its alt text.

Nothing here reads the database, computes a score or builds a widget: pages and reports hand in
the frames of :mod:`workbook.scoring` and :mod:`workbook.roadmap` and get markup back.
"""

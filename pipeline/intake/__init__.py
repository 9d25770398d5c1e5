"""Intake stage: files arriving from agencies, before publish.

``receive`` places a file into ``submissions/<period>/<agency>/`` and logs its receipt;
``judge`` runs the validate stage on files not yet published; ``checklist`` says, per
agency and table, what the data officer has for a month; the web service (``app``) lets
clerks upload their own files.
"""

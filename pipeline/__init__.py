r"""Open-data transparency pipeline for a public service mall (Mal Pelayanan Publik).

The pipeline reads top to bottom, one package per stage:

    datasets/ --validate--> store --publish--> output/data, feedback, templates --site--> output/site
                                                         \--ckan (push)--> CKAN

- ``core``: what every stage shares (settings, errors, records, the business rules).
- ``validate``, ``store``, ``publish``, ``site``, ``ckan``: the stages, in order.
- ``runner`` and ``cli``: how a command runs them (lock, run log, exit codes).

A stage imports from ``core`` and from earlier stages, never from a later stage.  Problems
in agency data are records (``pipeline.core.models.Problem``); failures of the machine are
exceptions derived from ``pipeline.core.errors.PipelineError``, mapped to exit codes in
``pipeline.runner.exitcodes``.
"""

__version__ = "0.1.0"

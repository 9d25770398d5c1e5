r"""Open-data transparency pipeline for a public service mall (Mal Pelayanan Publik).

The pipeline reads top to bottom, one stage per module or package:

    datasets/ --validate--> accepted store --tables--> output/data --site--> output/site
                                                                 \--push--> CKAN

A stage imports the models of earlier stages, never a later stage.  Problems in
agency data are records (``pipeline.core.models.Problem``); failures of the machine are
exceptions derived from ``pipeline.core.errors.PipelineError``, mapped to exit codes in
``pipeline.runner.exitcodes``.
"""

__version__ = "0.1.0"

"""The evaluation: indicators of collaboration, accountability, data discipline and service quality.

Every indicator is defined once in ``registry.py`` (name, formula, unit, direction, target and
the function that computes it); ``table.py`` computes them from the other published tables for
every month, quarter and year and for the mall, each sector and each agency (service quality
also for each service).
"""

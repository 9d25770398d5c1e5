"""Developer tools that work on the project's files; not part of the pipeline."""

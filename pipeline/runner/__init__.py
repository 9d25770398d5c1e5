"""Running a command: the output lock, the run log, exit codes, and the report of internal errors."""

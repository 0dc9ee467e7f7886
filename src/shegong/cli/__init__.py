"""The ``shegong`` command line: one subcommand per verb, each a thin layer over one library
call."""

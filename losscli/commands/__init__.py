"""One module per command: each turns its typed settings into a run of :mod:`losscli.operations` and
writes the report. Nothing here parses options (that is :mod:`losscli.commands.settings`)."""

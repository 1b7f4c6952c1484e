"""Batch review of a folder of calls on Ray (`parley replay FOLDER --workers N`).

`runner` drives the batch (Ray, scheduling, progress, summary), `worker` is the actor that
keeps its models loaded (`resident`) and replays file after file, `keys` decides which reports
are already complete and writes atomically, `team` renders the team summary.
"""

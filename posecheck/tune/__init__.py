"""Tuning a spec's rule ranges on a pose recording: re-score, statistics, suggested ranges, plot,
and writing the ranges back into the spec file (the command is `posecheck.commands.tune`)."""

"""Subcommands of the posecheck command line, one module each with `register(commands)`."""

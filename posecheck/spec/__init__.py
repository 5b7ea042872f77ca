"""Stretch spec files: the data model, the loader and the catalog of available specs."""

from posecheck.spec.loader import find_spec, list_specs, load_spec, specs_dir
from posecheck.spec.model import Measure, Rule, StretchSpec

__all__ = ["Measure", "Rule", "StretchSpec", "find_spec", "list_specs", "load_spec", "specs_dir"]

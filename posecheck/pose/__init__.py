"""Pose landmarks: names, skeleton, the Pose record and the model adapter."""

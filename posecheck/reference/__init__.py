"""What good form looks like: a reference pose per catalog spec and its figure.

poses.py   ReferencePose: joint angles on the kinematic skeleton (synth/), how the body
           lies, the camera; one per catalog spec, each judged good by its own spec
figure.py  the figure: the session overlay's stick figure and angle labels in good-form green
"""

from posecheck.reference.poses import REFERENCE_POSES, ReferencePose, judge, reference_pose

__all__ = ["REFERENCE_POSES", "ReferencePose", "judge", "reference_pose"]

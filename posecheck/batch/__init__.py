"""Many videos in one `posecheck analyze`: worker processes on every core or tasks on a Ray
cluster, one progress bar, and an index (CSV + HTML) of every result."""

from posecheck.cli import run

run()

"""posecheck: camera coaching for hip and lower-back stretches."""

__version__ = "0.1.0"

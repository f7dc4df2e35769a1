"""Kinora: self-hostable AI video with synchronized sound."""

__version__ = "0.1.0"

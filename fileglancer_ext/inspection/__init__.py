"""Inspecting a dataset inside a root: its metadata summary with validation and health
warnings (`service`), storage statistics (`stats/`) and a thumbnail (`thumbnails/`)."""

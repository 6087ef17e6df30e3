"""Thumbnails of datasets as PNG: choosing the level and reading it (`core`), the pixel
work shared by every format (`render`), and N5 (`n5`) and TIFF (`tiff`) sources."""

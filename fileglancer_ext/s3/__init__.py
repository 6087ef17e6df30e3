"""Data links read as S3 buckets: path-style `/fileglancer/s3/{token}/{key}`, anonymous, read-only.

`listing.py` answers ListObjectsV2 from the cached folder listings of `browse.listing`,
`buckets.py` ties a bucket to its share link, `documents.py` writes what S3 clients parse, and
`handlers.py` is the tornado route (the only module that knows HTTP).
"""

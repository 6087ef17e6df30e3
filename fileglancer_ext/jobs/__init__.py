"""Conversion jobs: a user's conversions queued, run off the event loop, and remembered.

`store.py` keeps jobs in the extension's database, `submission.py` turns a request into a
checked job over the roots, `runner.py` runs jobs on an engine from `engines.py` (a local
process pool, or a dask.distributed cluster), `service.py` is what the REST API calls and
`handlers.py` is the REST API itself.
"""

"""Short viewer links: `/fileglancer/v/{key}` redirects to a stored (long) viewer URL.

`store.py` keeps them in the link store's database; `handlers.py` is the owners' API and
the public redirect.
"""

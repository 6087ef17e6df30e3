"""Favourites: the folders and datasets a user starred in the browser, kept per user in
the extension's database (so they follow the user across workspaces and machines).

`store.py` keeps them; `handlers.py` is `GET`/`PUT /fileglancer/api/favourites`.
"""

"""Browsing the configured roots: paged, sorted, filtered directory listings of real folders,
one entry's details, and a JupyterLab path located in a root."""

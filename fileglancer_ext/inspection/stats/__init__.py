"""Storage statistics of a dataset: the figures (`core`), the walk over worker processes
(`walk`), and the service that runs walks in the background for the REST API (`service`)."""

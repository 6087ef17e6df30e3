"""Operating-system plumbing shared by the features: confined reads of files inside a
dataset, a zarr store over them, worker processes that die with their parent, and keeping
link secrets out of logs."""

"""Server configuration for the UI tests: a real JupyterLab on port 8888 with three roots.

The roots are made fresh for each run: the demo data, an empty scratch folder, and a root
whose folder does not exist (it must show as unavailable, not break the browser).
"""

import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

from fileglancer_ext.demo_data import write_demo_data

configure_jupyter_server(c)  # noqa: F821 (`c` is the config object Jupyter passes in)

workdir = Path(tempfile.mkdtemp(prefix="fileglancer-ui-tests-"))
demo = workdir / "demo"
scratch = workdir / "scratch"
scratch.mkdir()
write_demo_data(demo, many_files=200)

c.ServerApp.root_dir = str(workdir)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821 (CI runs as root)
c.FileglancerApp.roots = [  # noqa: F821
    {"name": "demo", "path": str(demo), "title": "Demo data"},
    {"name": "scratch", "path": str(scratch), "title": "Scratch"},
    {"name": "missing", "path": str(workdir / "not-there"), "title": "Missing share"},
]

"""`fileglancer-ext demo`: write the built-in sample data and start JupyterLab on it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .data import DemoDataset, write_demo_data

# JupyterLab stores user settings per plugin: <dir>/<package name>/<plugin>.jupyterlab-settings
SETTINGS_PACKAGE = "fileglancer-ext"
SETTINGS_PLUGIN = "plugin"


def prepare_demo(directory: Path, *, many_files: int = 5000) -> list[DemoDataset]:
    """Write the sample data and a demo-only JupyterLab settings folder under `directory`.

    The settings folder makes the Fileglancer panels open at start-up without touching
    the user's own JupyterLab settings.
    """
    directory.mkdir(parents=True, exist_ok=True)
    datasets = write_demo_data(directory, many_files=many_files)
    plugin_settings = _settings_dir(directory) / SETTINGS_PACKAGE
    plugin_settings.mkdir(parents=True, exist_ok=True)
    settings_file = plugin_settings / f"{SETTINGS_PLUGIN}.jupyterlab-settings"
    if not settings_file.exists():
        settings_file.write_text(json.dumps({"openPanelsOnStart": True}, indent=2))
    return datasets


def lab_arguments(
    directory: Path, *, port: int | None, open_browser: bool, extra: list[str]
) -> list[str]:
    """Command-line arguments for `jupyter lab` serving the demo folder."""
    state = directory / ".fileglancer-demo"
    args = [
        f"--ServerApp.root_dir={directory}",
        f"--LabApp.user_settings_dir={_settings_dir(directory)}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        f"--ServerApp.open_browser={open_browser}",
        # The demo's data links (and short links, jobs) live and die with its folder: never
        # in the user's own store, where they would outlive the demo data they point into.
        f"--FileglancerApp.database_url=sqlite:///{state / 'links.sqlite3'}",
    ]
    if port is not None:
        args.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI machines often run as root; the demo should still start.
        args.append("--ServerApp.allow_root=True")
    return args + extra


def run_demo(
    directory: Path,
    *,
    port: int | None = None,
    open_browser: bool = True,
    many_files: int = 5000,
    extra: list[str] | None = None,
) -> None:
    """Write the demo data, then run JupyterLab in this process until it is stopped."""
    from jupyterlab.labapp import LabApp

    directory = directory.resolve()
    datasets = prepare_demo(directory, many_files=many_files)
    print(f"fileglancer demo data in {directory}:")
    for dataset in datasets:
        print(f"  {dataset.name:<32} {dataset.description}")
    LabApp.launch_instance(
        argv=lab_arguments(directory, port=port, open_browser=open_browser, extra=extra or [])
    )


def _settings_dir(directory: Path) -> Path:
    return directory / ".fileglancer-demo" / "user-settings"

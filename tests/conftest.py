"""Shared fixtures: a real Jupyter server (pytest-jupyter) with fileglancer_ext enabled."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest
from traitlets.config import Config

from tests.unprivileged import shared_tmp  # noqa: F401 - a fixture for every module

pytest_plugins = ["pytest_jupyter.jupyter_server"]


def _permissions_are_enforced() -> bool:
    """False for root with its usual capabilities, which reads even a mode-000 file."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch, "probe")
        probe.write_text("")
        probe.chmod(0)
        return not os.access(probe, os.R_OK)


# Whether permission tests can run in-process (they skip, or drop privileges, otherwise).
PERMISSIONS_ENFORCED = _permissions_are_enforced()


@pytest.fixture
def share_dirs(tmp_path: Path) -> dict[str, Path]:
    """Two real directories to configure as roots, besides the server's root_dir."""
    dirs = {"lab": tmp_path / "lab-share", "scratch": tmp_path / "scratch"}
    for path in dirs.values():
        path.mkdir()
    return dirs


@pytest.fixture
def fileglancer_config() -> dict:
    """FileglancerApp settings for the server under test; override in a test module."""
    return {}


@pytest.fixture
def jp_server_config(fileglancer_config: dict) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"fileglancer_ext": True}},
            "FileglancerApp": fileglancer_config,
        }
    )


class LogCapture(logging.Handler):
    """Keeps the records of the extension's logger for assertions."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.WARNING) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno >= level]

    def logging_config(self) -> dict:
        """FileglancerApp.logging_config that adds this handler beside the console.

        traitlets (re)configures the app's logger with dictConfig and does not propagate
        it, so neither caplog nor a handler added beforehand would see its records.
        """
        return {
            "handlers": {"capture": {"()": lambda: self}},
            "loggers": {"FileglancerApp": {"handlers": ["console", "capture"]}},
        }


@pytest.fixture
def fileglancer_log() -> LogCapture:
    return LogCapture()

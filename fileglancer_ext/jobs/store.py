"""The conversion-job store: every user's jobs, in the extension's database.

Jobs live in the same database as the share links (`FileglancerApp.database_url`), as
the "jobs" component with its own migrations. A running job is held in memory by the
server process that runs it (see `runner.py`); the store gets its progress at a bounded
rate and its end for good, so the history outlives the server.

A server that dies cannot say so: a job whose runner process is gone (same host, pid no
longer alive) or whose heartbeat is older than `STALE_AFTER` seconds is marked
"interrupted" by the next server that looks (`interrupt_abandoned`).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    Index,
    MetaData,
    Select,
    String,
    Table,
    Text,
    select,
)

from ..database import Migration, Store
from .model import INTERRUPTED, UNFINISHED_STATES, ConversionJob

COMPONENT = "jobs"

# A running server touches its jobs this often; a job silent for STALE_AFTER is abandoned.
HEARTBEAT_INTERVAL = 15.0
STALE_AFTER = 4 * HEARTBEAT_INTERVAL

# A starting server looks for partial outputs of this many recently interrupted jobs.
INTERRUPTED_SCAN = 100

INTERRUPTED_MESSAGE = (
    "The server stopped before this conversion finished; nothing was written. Submit it again."
)

metadata = MetaData()
jobs = Table(
    "fileglancer_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source_root", String(64), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("destination_root", String(64), nullable=False),
    Column("destination_path", Text, nullable=False),
    Column("options", Text, nullable=False),  # JSON
    Column("engine", String(255), nullable=False),
    Column("state", String(16), nullable=False),
    Column("progress", Float, nullable=False),
    Column("bytes_done", BigInteger, nullable=False),
    Column("bytes_total", BigInteger, nullable=False),
    Column("stage", Text, nullable=False),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("created", Float, nullable=False),
    Column("started", Float),
    Column("finished", Float),
    Column("result", Text),  # JSON
    Column("runner", String(255), nullable=False),
    Column("heartbeat", Float),
    Index("ix_fileglancer_jobs_owner_created", "owner", "created"),
    Index("ix_fileglancer_jobs_state", "state"),
)


def _create_jobs_table(conn: Connection) -> None:
    jobs.create(conn)


# Append only: a released migration is never edited (see database.migrate).
MIGRATIONS: Sequence[Migration] = (_create_jobs_table,)

# What a progress write changes: the rest of a row is fixed until the job ends.
_PROGRESS_FIELDS = ("state", "progress", "bytes_done", "bytes_total", "stage", "started")


def this_runner() -> str:
    """The name of this server process as a job's runner: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobStore(Store):
    """Conversion jobs. Owners only ever see their own jobs: another user's job is the
    same NotFound as one that does not exist."""

    component = COMPONENT
    migrations = MIGRATIONS

    def create(self, job: ConversionJob) -> None:
        with self.engine.begin() as conn:
            conn.execute(jobs.insert().values(**_row(job)))

    def get(self, owner: str, job_id: str) -> ConversionJob:
        """The owner's job `job_id`; NotFound for anyone else's or an unknown id."""
        missing = f"You have no conversion job '{job_id}'."
        return _job(self._owned_row(jobs, jobs.c.id, job_id, owner, missing))

    def list_for_owner(self, owner: str, limit: int = 50) -> list[ConversionJob]:
        """The owner's `limit` newest jobs, newest first."""
        return self._newest(jobs.c.owner == owner, jobs.c.created, limit)

    def save_progress(self, job: ConversionJob) -> None:
        """Record a running job's progress (and that its runner is alive)."""
        values = {name: getattr(job, name) for name in _PROGRESS_FIELDS}
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job.id, jobs.c.state.in_(UNFINISHED_STATES))
                .values(**values, heartbeat=time.time())
            )

    def save(self, job: ConversionJob) -> None:
        """Record everything that changes over a job's life (for its end, or its start)."""
        row = _row(job)
        fixed = ("id", "owner", "kind", "source_root", "source_path", "created")
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job.id)
                .values(**{k: v for k, v in row.items() if k not in fixed})
            )

    def heartbeat(self, job_ids: Sequence[str]) -> None:
        """Say that this server still runs (or holds queued) the jobs `job_ids`."""
        if not job_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id.in_(list(job_ids)), jobs.c.state.in_(UNFINISHED_STATES))
                .values(heartbeat=time.time())
            )

    def jobs_by_id(self, job_ids: Sequence[str]) -> list[ConversionJob]:
        """The jobs `job_ids` (whoever owns them), for the server's own housekeeping."""
        return self._fetch(select(jobs).where(jobs.c.id.in_(list(job_ids))))

    def interrupted_jobs(self, limit: int = INTERRUPTED_SCAN) -> list[ConversionJob]:
        """The `limit` most recently interrupted jobs, newest first (whoever owns them)."""
        return self._newest(jobs.c.state == INTERRUPTED, jobs.c.finished, limit)

    def _newest(self, condition: Any, by: Any, limit: int) -> list[ConversionJob]:
        """The `limit` jobs that meet `condition`, latest `by` first (ties in id order)."""
        return self._fetch(
            select(jobs).where(condition).order_by(by.desc(), jobs.c.id).limit(limit)
        )

    def _fetch(self, query: Select) -> list[ConversionJob]:
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def interrupt_abandoned(self, *, keep: Sequence[str] = ()) -> list[str]:
        """Mark "interrupted" the unfinished jobs whose runner is gone; return their ids.

        A runner is gone when it ran on this host and its process no longer exists, or
        when it has been silent for STALE_AFTER seconds. Jobs in `keep` (the caller's own)
        are left alone.
        """
        now = time.time()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs.c.id, jobs.c.runner, jobs.c.heartbeat, jobs.c.created).where(
                    jobs.c.state.in_(UNFINISHED_STATES)
                )
            ).all()
        kept = set(keep)
        abandoned = [
            row.id
            for row in rows
            if row.id not in kept
            and (runner_is_gone(row.runner) or (row.heartbeat or row.created) < now - STALE_AFTER)
        ]
        if abandoned:
            with self.engine.begin() as conn:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id.in_(abandoned), jobs.c.state.in_(UNFINISHED_STATES))
                    .values(
                        state=INTERRUPTED,
                        error_code="interrupted",
                        error_message=INTERRUPTED_MESSAGE,
                        finished=now,
                    )
                )
        return abandoned


def runner_is_gone(runner: str) -> bool:
    """Whether `runner` ("host:pid") ran on this host and its process has ended (of one
    on another host, only a late heartbeat tells, and that is no proof)."""
    host, _, pid_text = runner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's process: only its heartbeat can tell
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def _row(job: ConversionJob) -> dict[str, Any]:
    row = {name: value for name, value in job.__dict__.items() if name != "cancel_requested"}
    row["options"] = json.dumps(job.options)
    row["result"] = None if job.result is None else json.dumps(job.result)
    return row


def _job(row: Any) -> ConversionJob:
    values = dict(row)
    values["options"] = json.loads(values["options"])
    values["result"] = None if values["result"] is None else json.loads(values["result"])
    return ConversionJob(**values)

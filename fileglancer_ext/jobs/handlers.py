"""HTTP for conversion jobs: submit, list, get, cancel. Thin: parse, call the service, JSON."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..web import API_PREFIX, FileglancerAPIHandler, Route
from .service import DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, ConversionJobService

if TYPE_CHECKING:
    from ..app import FileglancerApp


class _JobsAPIHandler(FileglancerAPIHandler):
    @property
    def jobs(self) -> ConversionJobService:
        return self.extensionapp.job_service


class JobsHandler(_JobsAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_query("limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT)
        found = await asyncio.to_thread(self.jobs.list_for_owner, self.owner, limit)
        self.write_json({"jobs": [job.to_json() for job in found]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        job = await asyncio.to_thread(self.jobs.submit, self.owner, body)
        self.write_json(job.to_json(), status=201)


class JobHandler(_JobsAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        job = await asyncio.to_thread(self.jobs.get, self.owner, job_id)
        self.write_json(job.to_json())

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        job = await asyncio.to_thread(self.jobs.cancel, self.owner, job_id)
        self.write_json(job.to_json())


def routes(app: FileglancerApp) -> list[Route]:
    """The jobs API routes, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/jobs", JobsHandler),
        (rf"{API_PREFIX}/jobs/(?P<job_id>[0-9a-f]+)", JobHandler),
    ]

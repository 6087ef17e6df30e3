"""fileglancer-ext on a JupyterHub: the link service is the only writer of data links.

Users' servers create, list and revoke links by calling the service with their own hub
token; the service learns the user from the hub, checks that this Unix user can read the
target, and alone holds the link store's credentials. Share links are public: the proxy
forwards /services/fileglancer-links/fileglancer/s/... and .../fileglancer/s3 anonymously.

The settings come from the hub's environment (tests/hub/ starts a real hub with this file):
  FILEGLANCER_HUB_PUBLIC_URL         the hub's public URL (https://hub.example.org)
  FILEGLANCER_LINKS_PORT             the service's loopback port (8765)
  FILEGLANCER_LINKS_DATABASE_URL     PostgreSQL URL of the link store, without a password
  FILEGLANCER_LINKS_DATABASE_PASSWORD  its password: only in the service's environment
  FILEGLANCER_LINKS_ROOTS            folders links may point into, ':'-separated (/home)
"""

import os

c = get_config()  # noqa: F821  (defined by JupyterHub when it loads this file)

public_url = os.environ.get("FILEGLANCER_HUB_PUBLIC_URL", "https://hub.example.org").rstrip("/")
port = os.environ.get("FILEGLANCER_LINKS_PORT", "8765")
service = "fileglancer-links"
service_prefix = f"/services/{service}/"

c.JupyterHub.services = [
    {
        "name": service,
        "url": f"http://127.0.0.1:{port}",  # the proxy forwards {service_prefix} here
        "command": [
            "fileglancer-ext",
            "serve-links",
            "--port",
            port,
            "--database-url",
            # No password here: a command line is readable by every user (/proc/PID/cmdline).
            os.environ.get(
                "FILEGLANCER_LINKS_DATABASE_URL",
                "postgresql+psycopg://fileglancer_links@db.example.org/fileglancer_links",
            ),
            "--roots",
            *os.environ.get("FILEGLANCER_LINKS_ROOTS", "/home").split(":"),
            # Links' URLs: public, whoever asked (users' servers call the service directly).
            "--public-base-url",
            f"{public_url}{service_prefix.rstrip('/')}",
        ],
        # libpq reads the password from the service's environment, which only the hub's
        # user (root) can read; users' servers never get it (Spawner.env_keep lacks it).
        "environment": {"PGPASSWORD": os.environ.get("FILEGLANCER_LINKS_DATABASE_PASSWORD", "")},
        "display": False,  # an API and public links, nothing to open from the hub's menu
    }
]
# Users may call the service, and so may their servers with their own $JUPYTERHUB_API_TOKEN.
access = f"access:services!service={service}"
c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", access]}]
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", access]
# Users' servers, and the CLI in their terminals, make links through the service (they hold
# no database credentials), and links' URLs point at it: they outlive the server that made them.
service_url = f"http://127.0.0.1:{port}{service_prefix}"
c.Spawner.args = [
    f"--FileglancerApp.link_service_url={service_url}",
    f"--FileglancerApp.public_base_url={public_url}{service_prefix.rstrip('/')}",
]
c.Spawner.environment = {"FILEGLANCER_LINK_SERVICE_URL": service_url}

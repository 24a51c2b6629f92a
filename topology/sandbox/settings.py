"""How a sandbox is to be built and run: the cloud's shape and the services around it.

Settings are written to the sandbox's folder as JSON (no secrets: a database or AMQP URL
given by the user reaches the sandbox process through an environment variable only)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topology.sandbox.layout import DEFAULT_CLOUD_NAME
from topology.sandbox.model import CloudShape

SERVICE_MODES: tuple[str, ...] = ("auto", "none", "url")
DRIVERS: tuple[str, ...] = ("messagingv2", "messaging")
NOTIFICATION_FORMATS: tuple[str, ...] = ("both", "unversioned", "versioned")
DATABASE_URL_VARIABLE = "TOPOLOGY_SANDBOX_DATABASE_URL"
AMQP_URL_VARIABLE = "TOPOLOGY_SANDBOX_AMQP_URL"


@dataclass(frozen=True)
class SandboxSettings:
    """``database`` and ``amqp``: ``auto`` starts a private MariaDB / RabbitMQ in the
    sandbox's folder, ``url`` uses the one in $TOPOLOGY_SANDBOX_DATABASE_URL /
    $TOPOLOGY_SANDBOX_AMQP_URL, ``none`` runs without (no database view; churn changes the
    other views but publishes nothing)."""

    shape: CloudShape = field(default_factory=CloudShape)
    churn: float = 0.0  # changes per second
    database: str = "auto"
    amqp: str = "auto"
    driver: str = "messagingv2"
    notification_format: str = "both"
    api_port: int = 0  # 0: a free port
    ssh_port: int = 0
    ssh_user: str = "topology"
    cloud_name: str = DEFAULT_CLOUD_NAME
    user_clouds_yaml: Path | None = None  # also merge the cloud's entry into this file
    graph: bool = False  # report the Sensu results of the cloud's checks in the graph
    graph_import: bool = True  # ... after importing the cloud's Calipso view (else a scan
    # puts it there: the results start once its objects are in the graph)
    sensu_interval: float = 10.0  # seconds between two rounds of Sensu results

    def __post_init__(self) -> None:
        if self.churn < 0:
            raise ValueError("churn must be zero or a positive rate (changes per second)")
        for name in ("database", "amqp"):
            if getattr(self, name) not in SERVICE_MODES:
                raise ValueError(f"{name} must be one of {', '.join(SERVICE_MODES)}")
        if self.sensu_interval <= 0:
            raise ValueError("the Sensu interval must be a positive number of seconds")
        if self.driver not in DRIVERS:
            raise ValueError(f"driver must be one of {', '.join(DRIVERS)}")
        if self.notification_format not in NOTIFICATION_FORMATS:
            raise ValueError(
                f"notification format must be one of {', '.join(NOTIFICATION_FORMATS)}")

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["user_clouds_yaml"] = (str(self.user_clouds_yaml)
                                    if self.user_clouds_yaml is not None else None)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SandboxSettings:
        data: dict[str, Any] = json.loads(text)
        data["shape"] = CloudShape(**data["shape"])
        if data.get("user_clouds_yaml"):
            data["user_clouds_yaml"] = Path(data["user_clouds_yaml"])
        return cls(**data)

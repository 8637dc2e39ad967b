"""Start and stop moto's server on a free loopback port (moto[server] 5.2.5), and one that
enforces IAM for scans by a scanning role."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import boto3
import pytest

MEMBER_ROLE = "OrganizationAccountAccessRole"
T = TypeVar("T")


@contextlib.contextmanager
def clients_at(url: str) -> Iterator[None]:
    """boto3 clients made inside talk to the moto server at `url`, with fake keys."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }.items():
            mp.setenv(key, value)
        yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", **(extra_env or {})}
    server = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("moto_server exited") from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("moto_server did not become healthy in 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Enforced(Generic[T]):
    """A server that enforces IAM (`enforcing_iam`): what `build` returned, and the keys of the
    user that may assume its scanning roles."""

    url: str
    built: T
    account: str
    credentials: dict[str, str]

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Scans afterwards talk to this server with the user's keys."""
        monkeypatch.setenv("AWS_ENDPOINT_URL", self.url)
        for key, value in self.credentials.items():
            monkeypatch.setenv(key, value)


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@contextlib.contextmanager
def enforcing_iam(
    build: Callable[[], T], roles: dict[str, dict[str, Any]]
) -> Iterator[Enforced[T]]:
    """Its own server: `build()` makes the account (with the default keys), then a user `ci`
    that may assume any role and the scanning `roles` (name -> policy) that trust it; then
    the server enforces IAM (`/moto-api/reset-auth`), so a call a role's policy denies is
    refused by moto's own policy evaluation, not by us."""
    proc, url = start_moto()
    try:
        with clients_at(url):
            built = build()
            account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
            iam = boto3.client("iam", region_name="us-east-1")
            iam.create_user(UserName="ci")
            assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
            iam.put_user_policy(
                UserName="ci", PolicyName="assume", PolicyDocument=_document(assume)
            )
            key = iam.create_access_key(UserName="ci")["AccessKey"]
            principal = {"AWS": f"arn:aws:iam::{account}:user/ci"}
            trust = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
            for name, policy in roles.items():
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=_document(trust))
                iam.put_role_policy(
                    RoleName=name, PolicyName="read", PolicyDocument=json.dumps(policy)
                )
        request = urllib.request.Request(
            f"{url}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        credentials = {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }
        yield Enforced(url, built, account, credentials)
    finally:
        stop(proc)

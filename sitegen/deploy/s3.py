"""`type: s3`: upload the site to an S3 bucket, or any S3-compatible store, under a prefix.

As `hugo deploy` does: a file is uploaded only when the bucket lacks it, or has it with other
bytes or other headers. Each object keeps the SHA-256 of its content in its metadata
(`x-amz-meta-sitegen-sha256`), which is compared, with its Content-Type and Cache-Control,
before anything is sent (an ETag is not a content hash for multipart or KMS-encrypted
objects). Fingerprinted assets are cached for a year, everything else for five minutes
(files.cache_control). Objects under the prefix that the site no longer has are deleted,
after every upload; nothing outside the prefix is listed, read or touched. Credentials come
from boto3's own chain: the environment, ~/.aws, an instance role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..config import S3Target
from . import Action, DeployError, DeployPlan, OnStep
from .files import SiteFile, cache_control, content_type, publishing_order, sha256

HASH_KEY = "sitegen-sha256"  # the object metadata key holding its content's SHA-256
CONNECTIONS = 16  # requests in flight at once
_DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


class S3Publisher:
    def __init__(self, target: S3Target):
        self.target = target
        self.bucket = target.bucket
        self.prefix = f"{target.prefix}/" if target.prefix else ""
        self._client: Any = None
        self._hashes: dict[str, str] = {}

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def plan(self, output: Path, files: tuple[SiteFile, ...]) -> DeployPlan:
        stored = self._list()
        by_key = {self.prefix + file.path: file for file in files}
        # An object of another size has other bytes; one of the same size may too: its
        # metadata says (one HEAD request each, in parallel).
        same_size = [key for key, file in by_key.items() if stored.get(key) == file.size]
        for file in files:
            self._hashes[file.path] = sha256(file.read())
        current = set(self._run_all(same_size, self._is_current, "read"))
        sent = [file.path for key, file in by_key.items() if key not in current]
        deleted = sorted(key for key in stored if key not in by_key)
        steps = [
            *(Action("upload", path) for path in publishing_order(sent)),
            *(Action("delete", key[len(self.prefix) :]) for key in deleted),
        ]
        return DeployPlan(self.location, tuple(steps), len(current))

    def apply(self, plan: DeployPlan, output: Path, files: tuple[SiteFile, ...], on_step: OnStep) -> None:
        by_key = {self.prefix + file.path: file for file in files}
        keys = [self.prefix + path for path in plan.uploads]
        assets = [key for key in keys if not key.endswith(".html")]
        pages = [key for key in keys if key.endswith(".html")]
        for batch in (assets, pages):  # every asset is there before a page that names it
            for key in self._run_all(batch, lambda key: self._upload(by_key[key]), "upload"):
                on_step(Action("upload", key[len(self.prefix) :]))
        deletions = list(plan.deletions)
        for start in range(0, len(deletions), _DELETE_BATCH):
            batch = deletions[start : start + _DELETE_BATCH]
            self._delete(batch)
            for path in batch:
                on_step(Action("delete", path))

    # Requests ----------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as exc:
                raise DeployError("type: s3 needs boto3: pip install 'sitegen[s3]'") from exc
            config = Config(
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},  # a few seconds, then a clear error
                max_pool_connections=CONNECTIONS,
            )
            self._client = boto3.session.Session().client(
                "s3", region_name=self.target.region, endpoint_url=self.target.endpoint_url, config=config
            )
        return self._client

    def _list(self) -> dict[str, int]:
        """Every object under the prefix, with its size."""
        found: dict[str, int] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    found[item["Key"]] = item["Size"]
        except Exception as exc:
            raise DeployError(f"cannot list {self.location}: {_reason(exc)}") from exc
        return found

    def _is_current(self, key: str) -> bool:
        path = key[len(self.prefix) :]
        head = self.client.head_object(Bucket=self.bucket, Key=key)
        return (
            head.get("Metadata", {}).get(HASH_KEY) == self._hashes[path]
            and head.get("ContentType") == content_type(path)
            and head.get("CacheControl") == cache_control(path)
        )

    def _upload(self, file: SiteFile) -> bool:
        data = file.read()
        if sha256(data) != self._hashes[file.path]:
            raise DeployError(f"{file.path} changed while deploying; deploy again")
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + file.path,
            Body=data,
            ContentType=content_type(file.path),
            CacheControl=cache_control(file.path),
            Metadata={HASH_KEY: self._hashes[file.path]},
        )
        return True

    def _delete(self, paths: list[str]) -> None:
        objects = [{"Key": self.prefix + path} for path in paths]
        try:
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
        except Exception as exc:
            raise DeployError(f"delete in {self.location} failed: {_reason(exc)}") from exc
        failed = answer.get("Errors") or []
        if failed:
            first = failed[0]
            raise DeployError(
                f"delete of s3://{self.bucket}/{first.get('Key')} failed: "
                f"{first.get('Code')}: {first.get('Message')}"
            )

    def _run_all(self, items: Iterable[str], request: Callable[[str], bool], doing: str) -> Iterable[str]:
        """`request` for each item, CONNECTIONS at a time; yields each item it said yes to, as
        it is done. The first failure stops the rest and is a DeployError naming its item."""
        items = list(items)
        if not items:
            return
        with ThreadPoolExecutor(CONNECTIONS, thread_name_prefix="sitegen-s3") as pool:
            futures = {pool.submit(request, item): item for item in items}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    item = futures[future]
                    error = future.exception()
                    if error is not None:
                        for waiting in pending:
                            waiting.cancel()
                        if isinstance(error, DeployError):
                            raise error
                        raise DeployError(
                            f"{doing} of s3://{self.bucket}/{item} failed: {_reason(error)}"
                        ) from error
                    if future.result():
                        yield item


def _reason(exc: BaseException) -> str:
    """What S3 or botocore said, on one line: `AccessDenied: Access Denied`."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        details = response["Error"]
        return f"{details.get('Code', 'error')}: {details.get('Message', '') or exc}".strip()
    return " ".join(str(exc).split()) or type(exc).__name__

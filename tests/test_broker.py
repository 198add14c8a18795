"""Tests of the embedded file-system broker."""

from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from kombu.utils.json import dumps

from learnlinq import broker
from learnlinq.broker import PARTIAL_SUFFIX, Transport
from learnlinq.celery import app as celery_app


def _connection(folder: Path) -> Connection:
    queue_folder = folder / "queue"
    queue_folder.mkdir(parents=True, exist_ok=True)
    (folder / "control").mkdir(exist_ok=True)
    return Connection(
        "filesystem://",
        transport_options={
            "data_folder_in": str(queue_folder),
            "data_folder_out": str(queue_folder),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_filesystem_url_uses_atomic_transport() -> None:
    with celery_app.connection_for_write() as connection:
        if connection.transport_cls == "filesystem":
            assert isinstance(connection.transport, Transport)


def test_put_leaves_no_partial_file(tmp_path: Path) -> None:
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("atomic")
        queue.put({"n": 1})
        names = [path.name for path in (tmp_path / "queue").iterdir()]
        message = queue.get(timeout=5)
        message.ack()
        queue.close()

    assert len(names) == 1
    assert names[0].endswith(".atomic.msg")
    assert not any(name.endswith(PARTIAL_SUFFIX) for name in names)
    assert message.payload == {"n": 1}


def test_message_invisible_until_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A consumer takes every "*.<queue>.msg" file it lists. Record what it
    # would list at the moment the message is serialised, which is after the
    # file is opened and before its content is written.
    visible_while_writing: list[str] = []

    def dumps_observed(payload: Any) -> str:
        visible_while_writing.extend(
            path.name
            for path in (tmp_path / "queue").iterdir()
            if path.name.endswith(".visible.msg")
        )
        return dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps_observed)

    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("visible")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()

    assert visible_while_writing == []
    assert message.payload == {"n": 1}

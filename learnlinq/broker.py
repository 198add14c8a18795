"""
The embedded Celery broker: kombu's file-system transport with atomic writes.

kombu 5.7's file-system channel creates a message file under its final name
and then writes into it. A consumer that lists the folder in between moves
the still empty file away, fails to decode it, and the task is lost. This
channel writes the message under a name consumers ignore and renames it into
place once complete. A rename within one folder is atomic on POSIX, so a
consumer finds either no file or the whole message.
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Consumers only take files named "<stamp>_<uuid>.<queue>.msg", so a file with
# one more suffix is invisible to them until the rename.
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    """A file-system channel whose messages appear in the queue folder whole."""

    # kombu's type stubs name the message "payload" in the file-system
    # channel and "message" in its base class, so no signature fits both.
    def _put(  # type: ignore[override]
        self, queue: str, payload: dict[str, Any], **kwargs: Any
    ) -> None:
        # The name keeps kombu's pattern: a millisecond stamp first, so the
        # consumer's sorted listing still returns messages in order.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        partial_path = path + PARTIAL_SUFFIX
        try:
            with open(partial_path, "wb") as message_file:
                message_file.write(str_to_bytes(dumps(payload)))
            os.replace(partial_path, path)
        except OSError as error:
            raise ChannelError(f"Cannot add file {path!r} to directory") from error


class Transport(filesystem.Transport):
    """kombu's file-system transport with the atomic channel."""

    Channel = Channel


def filesystem_transport_install() -> None:
    """Make the ``filesystem://`` broker URL use the atomic transport."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"

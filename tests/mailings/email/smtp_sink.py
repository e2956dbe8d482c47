"""A real SMTP server in the test process (aiosmtpd) that records, refuses or hangs up."""

import asyncio
import socket

import pytest
from aiosmtpd.controller import Controller


class Handler:
    """Records envelopes; ``refuse_rcpt[address]`` / ``refuse_data`` answer with an error,
    ``hang_up_after`` closes the connection just after accepting a message (an idle
    timeout), ``hang_up_in_data`` closes it before answering the message's data."""

    def __init__(self):
        self.envelopes = []
        self.refuse_rcpt: dict[str, str] = {}
        self.refuse_data = ""
        self.hang_up_after = False
        self.hang_up_in_data = False
        self.sessions = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        if self.hang_up_in_data:
            server.transport.close()
            return "250 never heard"
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        if self.hang_up_after:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    """The running sink: ``smtp.handler`` records, ``smtp.url`` is its MERKUR_EMAIL_URL."""
    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.url = f"smtp://127.0.0.1:{controller.port}"
    yield controller
    controller.stop()

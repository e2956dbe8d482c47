from tests.mailings.email.smtp_sink import smtp  # noqa: F401

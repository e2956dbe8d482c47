"""``merkur worker`` with the test job kinds registered, for tests that run real workers.

Usage: ``python -m tests.jobs.worker_main [worker options]`` with
``DJANGO_SETTINGS_MODULE=tests.settings`` and ``MERKUR_TEST_DATABASE_URL`` set.
"""

import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    import tests.jobs.kinds  # noqa: F401  (registers the test kinds)

    call_command("worker", *sys.argv[1:])


if __name__ == "__main__":
    main()

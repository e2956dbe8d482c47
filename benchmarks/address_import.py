"""Scale benchmark: import a 1,000,000-row address file into a database of 1,000,000 companies.

    python benchmarks/address_import.py \\
        --database-url postgres://postgres@127.0.0.1:5432/merkur_import_bench --rows 1000000
    python benchmarks/address_import.py \\
        --database-url sqlite:////tmp/merkur_import_bench.sqlite3 --rows 100000 --companies 100000

The database must hold the companies already (a copy of the business benchmark's
database: ``CREATE DATABASE merkur_import_bench TEMPLATE merkur_business_bench``);
with ``--companies N`` and an empty database it is migrated and filled with
``merkur generate`` first. The file is generated (``write_address_file``): rows in
the shape of an address dealer's list, a share of them (``--duplicates``) copies
of existing companies written differently ("Müller Bau GmbH" → "Mueller-Bau KG",
"Hauptstraße 12" → "Hauptstr. 12") and of earlier rows of the file.

Timed: a dry run and the real run (all or nothing, duplicates skipped, the
default), each with rows/s, the seconds of each phase and step, the CPU seconds
of the run and of its checking processes, the load of the machine, and the
peak memory: of the run's process (ru_maxrss) and of the run with its checking
processes together (sampled PSS: pages they share count once). The runs happen
in a child process each, so their peaks are their own. Next to them a plain
``COPY`` of the same file into an unindexed table (PostgreSQL), the limit of
what any import can reach. The real run checks the new rows' foreign keys
within its write phase (not at the commit) and is rolled back afterwards
(``--keep`` keeps it). ``--processes N`` sets ``MERKUR_IMPORT_PROCESSES`` (0:
checked in one process). Results go to the console and ``benchmarks/results/*.json``. See
docs/import.md and docs/performance.md.

Not part of the test suite.
"""

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_ROWS_PER_S = 10_000
TARGET_PEAK_MB = 500

HEADER = [
    "Kundennummer",
    "Firma",
    "Firmenzusatz",
    "Straße",
    "PLZ",
    "Ort",
    "Land",
    "Anrede",
    "Vorname",
    "Nachname",
    "Position",
    "Telefon",
    "E-Mail",
]
_FAMILY = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Thomas",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
]
_FIRST_F = [
    "Anna",
    "Maria",
    "Ursula",
    "Monika",
    "Petra",
    "Sabine",
    "Andrea",
    "Julia",
    "Katrin",
    "Claudia",
    "Laura",
    "Lea",
    "Sophie",
]
_FIRST_M = [
    "Hans",
    "Peter",
    "Michael",
    "Thomas",
    "Andreas",
    "Stefan",
    "Jürgen",
    "Klaus",
    "Frank",
    "Lukas",
    "Jonas",
    "Paul",
    "Felix",
]
_TRADES = [
    "Bau",
    "Elektro",
    "Sanitär",
    "Metallbau",
    "Holztechnik",
    "Logistik",
    "Software",
    "Consulting",
    "Druck",
    "Autohaus",
    "Bäckerei",
    "Gartenbau",
    "Maschinenbau",
    "Medizintechnik",
    "Kunststoff",
    "Immobilien",
    "Reisen",
    "Optik",
]
_FORMS = ["GmbH", "AG", "GmbH & Co. KG", "KG", "e.K.", "OHG", "UG (haftungsbeschränkt)", ""]
_STREETS = [
    "Haupt",
    "Bahnhof",
    "Schul",
    "Garten",
    "Dorf",
    "Berg",
    "Kirch",
    "Wald",
    "Ring",
    "Linden",
    "Mühlen",
    "Birken",
    "Wiesen",
    "Feld",
    "Industrie",
    "Gewerbe",
    "Markt",
    "Rosen",
    "Post",
    "Friedhof",
]
_CITIES = [
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dortmund",
    "Essen",
    "Bremen",
    "Dresden",
    "Hannover",
    "Nürnberg",
    "Duisburg",
    "Bochum",
    "Wuppertal",
    "Bielefeld",
    "Bonn",
    "Münster",
    "Mannheim",
    "Augsburg",
]
_AREA = ["30", "40", "89", "221", "69", "711", "211", "341", "231", "201", "421", "351"]
_FUNCTIONS = ["Einkäufer", "Geschäftsführer", "Vertriebsleiter", ""]


def _fold_ascii(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"),
                 ("Ü", "Ue")):  # fmt: skip
        text = text.replace(a, b)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _variant_name(name: str, rng: random.Random) -> str:
    """The same company as another list writes it."""
    choice = rng.randrange(3)
    if choice == 0:
        return name.replace("ü", "ue").replace("ä", "ae").replace("ö", "oe")
    if choice == 1:
        for form in ("GmbH & Co. KG", "GmbH", "AG", "KG"):
            if name.endswith(form):
                return name[: -len(form)] + rng.choice(["GmbH", "KG", "GmbH & Co. KG"])
        return name + " GmbH"
    return name.upper()


def _variant_street(street: str, rng: random.Random) -> str:
    if "straße" in street:
        return street.replace("straße", rng.choice(["str.", "strasse", "str"]))
    if "str." in street:
        return street.replace("str.", "straße")
    return street


def write_address_file(
    path: Path,
    rows: int,
    *,
    seed: int = 1,
    existing: list[tuple[str, str, str, str, str]] = (),
    duplicates: float = 0.1,
    encoding: str = "utf-8-sig",
    delimiter: str = ";",
) -> int:
    """Write ``rows`` address rows to ``path``; return its size in bytes.

    ``existing``: (number, name, street, postal code, city) of companies in the
    database; about ``duplicates`` of the rows copy one of them (written
    differently), as many again repeat an earlier row's company with another person.
    """
    rng = random.Random(seed)
    # A country has a few thousand postal codes, each with its town (Germany: 8,200).
    places = [(f"{rng.randint(1067, 99998):05d}", rng.choice(_CITIES)) for _ in range(8_000)]
    recent: list[list[str]] = []
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADER)
        for number in range(rows):
            draw = rng.random()
            female = rng.random() < 0.5
            first = rng.choice(_FIRST_F if female else _FIRST_M)
            last = rng.choice(_FAMILY)
            if existing and draw < duplicates:
                _num, name, street, code, city = rng.choice(existing)
                company = [
                    "",
                    _variant_name(name, rng),
                    "",
                    _variant_street(street, rng),
                    code,
                    city,
                ]
            elif recent and draw < 2 * duplicates:
                company = list(rng.choice(recent))
            else:
                name = f"{rng.choice(_FAMILY)} {rng.choice(_TRADES)} {rng.choice(_FORMS)}".strip()
                street = f"{rng.choice(_STREETS)}straße {rng.randint(1, 180)}"
                code, city = rng.choice(places)
                company = [f"B{number:07d}", name, "", street, code, city]
                recent.append(company)
                if len(recent) > 1000:
                    recent.pop(rng.randrange(len(recent)))
            domain = _fold_ascii(company[1])[:20] or "firma"
            email = f"{_fold_ascii(first)}.{_fold_ascii(last)}{number}@{domain}.de"
            phone = f"0{rng.choice(_AREA)} {rng.randint(100000, 9999999)}"
            writer.writerow(
                [
                    *company,
                    "Deutschland",
                    "Frau" if female else "Herr",
                    first,
                    last,
                    rng.choice(_FUNCTIONS),
                    phone,
                    email,
                ]
            )
    return path.stat().st_size


# --- the benchmark --------------------------------------------------------------------------


def main() -> None:
    args = _arguments()
    os.environ["MERKUR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-bench-"))
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ["MERKUR_DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "merkur.settings"
    sys.path.insert(0, str(ROOT / "src"))
    if args.child:
        _child(args)
        return
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from merkur.companies.models import Company

    call_command("migrate", verbosity=0)
    report: dict = {"machine": _machine(), "args": vars(args)}
    companies = Company.objects.count()
    if companies < args.companies:
        from merkur.companies.generate import generate

        started = time.monotonic()
        generate(companies=args.companies - companies)
        report["generated_seconds"] = round(time.monotonic() - started, 1)
        companies = Company.objects.count()
    report["companies"] = companies
    report["vendor"] = connection.vendor
    work = Path(tempfile.mkdtemp(prefix="merkur-import-bench-"))
    path = work / "adressen.csv"
    started = time.monotonic()
    size = write_address_file(path, args.rows, existing=_existing(args.rows), seed=args.seed)
    report["file"] = {
        "rows": args.rows,
        "bytes": size,
        "seconds_to_generate": round(time.monotonic() - started, 1),
    }
    print(f"{args.rows:,} rows, {size / 1e6:.0f} MB in {path}", flush=True)
    connection.close()
    if connection.vendor == "postgresql":
        report["copy"] = _plain_copy(path)
        print(f"plain COPY: {report['copy']['seconds']:.2f} s", flush=True)
    for mode in ("dry_run", "run"):
        report[mode] = _in_child(args, path, mode)
        figures = report[mode]
        print(
            f"{mode}: {figures['seconds']:.1f} s, {figures['rows_per_s']:,.0f} rows/s, "
            f"peak {figures['peak_mb']:.0f} MB (with the checking processes "
            f"{figures['peak_total_mb']:.0f} MB), CPU {figures['cpu_seconds']} s + "
            f"{figures['workers_cpu_seconds']} s in checking processes, load "
            f"{figures['load_before'][0]:.1f}→{figures['load_after'][0]:.1f}, "
            f"phases {figures['phases']}, steps {figures['steps']} — {figures['summary']}",
            flush=True,
        )
    report["targets"] = {
        "rows_per_s": TARGET_ROWS_PER_S,
        "peak_mb": TARGET_PEAK_MB,
        "met": report["run"]["rows_per_s"] >= TARGET_ROWS_PER_S
        and report["run"]["peak_total_mb"] < TARGET_PEAK_MB,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / (
        f"address_import-{report['vendor']}-{args.rows}-{datetime.now():%Y%m%d-%H%M%S}.json"
    )
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"Results written to {out.relative_to(ROOT)}")


def _existing(rows: int) -> list[tuple]:
    """A sample of the database's companies to write duplicates of."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.number, c.name, a.street, c.postal_code, c.city FROM companies_company c"
            " JOIN companies_companyaddress l ON l.company_id = c.id AND l.kind = 'contact'"
            " JOIN addresses_address a ON a.id = l.address_id"
            " WHERE c.country = 'DE' AND c.id %% 97 = 0 LIMIT %s",
            [max(rows // 10, 100)],
        )
        return cursor.fetchall()


def _plain_copy(path: Path) -> dict:
    """The file into an unindexed table with server-side COPY: the limit."""
    from django.db import connection

    path.parent.chmod(0o755)  # the server process reads it
    path.chmod(0o644)
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_copy")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_plain_copy ({columns})")
        started = time.monotonic()
        cursor.execute(
            "COPY bench_plain_copy FROM %s WITH (FORMAT csv, DELIMITER ';', HEADER true)",
            [str(path)],
        )
        seconds = time.monotonic() - started
        cursor.execute("DROP TABLE bench_plain_copy")
    connection.close()
    return {"seconds": round(seconds, 3), "server_side": True}


def _in_child(args, path: Path, mode: str) -> dict:
    """One run in its own process: its peak memory is its own."""
    command = [
        sys.executable,
        __file__,
        "--database-url",
        args.database_url,
        "--child",
        mode,
        "--file",
        str(path),
    ]
    if args.keep:
        command.append("--keep")
    if args.processes is not None:
        command += ["--processes", str(args.processes)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _child(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from merkur.transfer.importing import ImportOptions, run_import
    from merkur.transfer.importing.prepare import detect, header_of, mapping_for

    if args.processes is not None:
        settings.MERKUR_IMPORT_PROCESSES = args.processes
    path = Path(args.file)
    detection = detect(path)
    options = ImportOptions(detection=detection, mapping=mapping_for(header_of(path, detection)))
    memory = _MemorySampler()
    load_before = os.getloadavg()
    started = time.monotonic()
    with memory, transaction.atomic():
        result = run_import(
            path,
            options,
            dry_run=args.child == "dry_run",
            bad_rows_path=path.with_suffix(".bad.csv"),
        )
        seconds = time.monotonic() - started
        if not args.keep:
            transaction.set_rollback(True)
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the checking processes
    # CPU seconds: what the run costs whatever else the machine does.
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "rows_per_s": round(result.rows / seconds),
                "peak_mb": round(own.ru_maxrss / 1024, 1),
                "workers_peak_mb": round(workers.ru_maxrss / 1024, 1),
                "peak_total_mb": round(memory.peak_kb / 1024, 1),
                "cpu_seconds": round(own.ru_utime + own.ru_stime, 1),
                "workers_cpu_seconds": round(workers.ru_utime + workers.ru_stime, 1),
                "load_before": load_before,
                "load_after": os.getloadavg(),
                "phases": result.phases,
                "steps": result.steps,
                "summary": result.summary(),
                "actions": dict(result.actions),
            }
        )
    )


class _MemorySampler:
    """The largest memory of this process and its children together, sampled twice a second.

    Counted as PSS (``/proc/PID/smaps_rollup``): a page that the checking
    processes share with this one (they are its forks) counts once, not once
    per process as in the sum of their peak RSS.
    """

    def __init__(self):
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while True:
            pids = [me] + [pid for pid in _process_ids() if _parent_of(pid) == me]
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in pids))
            if self._stop.wait(0.5):
                return


def _process_ids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
    }


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=0, help="Generate up to N companies.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the imported records.")
    parser.add_argument(
        "--processes", type=int, help="Checking processes (MERKUR_IMPORT_PROCESSES); 0: none."
    )
    parser.add_argument("--child", choices=["dry_run", "run"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()

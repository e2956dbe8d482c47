"""A dealer's file from upload to mapped values: sniff, read, suggest, apply."""

from merkur.transfer.columns import Mapping, suggest_mapping
from merkur.transfer.reading import open_table
from merkur.transfer.sniff import sniff

DEALER_FILE = (
    "Kd.-Nr.;Name 1;Name 2;Str.;Hausnr.;PLZ/Ort;Ansprechpartner;E-Mail\r\n"
    "K-1001;Müller Bau GmbH & Co. KG;Niederlassung Süd;Hauptstr.;12a;D-80331 München;"
    "Groß, Jürgen;j.gross@mueller-bau.de\r\n"
    'K-1002;"Bäckerei ""Zum Korn"" e.K.";;"Am Markt";3;04109 Leipzig;Anna Schmidt;\r\n'
)


def test_a_dealer_file_is_read_and_mapped(write):
    path = write(DEALER_FILE.encode("cp1252"))
    detection = sniff(path)
    with open_table(path, detection) as table:
        mapping = Mapping.from_columns(suggest_mapping(table.header), table.header)
        values = [(row.line, mapping.apply(row.fields)) for row in table]
    assert values == [
        (
            2,
            {
                "company.number": "K-1001",
                "company.name": "Müller Bau GmbH & Co. KG",
                "company.name2": "Niederlassung Süd",
                "address.street": "Hauptstr. 12a",
                "address.postal_code": "80331",
                "address.city": "München",
                "person.last_name": "Groß",
                "person.first_name": "Jürgen",
                "person.email": "j.gross@mueller-bau.de",
            },
        ),
        (
            3,
            {
                "company.number": "K-1002",
                "company.name": 'Bäckerei "Zum Korn" e.K.',
                "address.street": "Am Markt 3",
                "address.postal_code": "04109",
                "address.city": "Leipzig",
                "person.first_name": "Anna",
                "person.last_name": "Schmidt",
            },
        ),
    ]

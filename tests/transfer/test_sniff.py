import codecs
import io

import pytest

from merkur.transfer.reading import EmptyFile, NotText
from merkur.transfer.sniff import SAMPLE_SIZE, Detection, InvalidDetection, sniff
from tests.transfer import samples

GERMAN = (
    "Firma;Straße;PLZ;Ort;Telefon;E-Mail\r\n"
    "Müller Bau GmbH;Hauptstraße 12a;01067;Dresden;0351 123456;info@mueller-bau.de\r\n"
    "Bäckerei Groß e.K.;Königsallee 3;40212;Düsseldorf;0211 987654;gross@example.de\r\n"
    "Öko-Strom AG;Am Ölberg 1;80331;München;089 5555;post@oeko.example\r\n"
)

NO_HEADER = (
    "Müller Bau GmbH;Hauptstraße 12a;01067;Dresden;info@mueller-bau.de\n"
    "Bäckerei Groß e.K.;Königsallee 3;40212;Düsseldorf;gross@example.de\n"
    "Öko-Strom AG;Am Ölberg 1;80331;München;post@oeko.example\n"
)

OUTLOOK_EN = (
    ",".join(samples.OUTLOOK_EN[:10])
    + "\r\n"
    + '"","Erika","","Mustermann","","Acme, Inc.","Sales","Head of Sales","1 Main St.\r\n'
    + 'Suite 5",""\r\n'
)

# (name, bytes, encoding, delimiter, has header)
CASES = [
    ("utf-8 without BOM", GERMAN.encode(), "utf-8", ";", True),
    ("utf-8 with BOM", codecs.BOM_UTF8 + GERMAN.encode(), "utf-8", ";", True),
    (
        "Excel Unicode text (UTF-16 LE, BOM, tabs)",
        codecs.BOM_UTF16_LE + GERMAN.replace(";", "\t").encode("utf-16-le"),
        "utf-16-le",
        "\t",
        True,
    ),
    (
        "UTF-16 BE with BOM",
        codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"),
        "utf-16-be",
        ";",
        True,
    ),
    ("UTF-16 LE without BOM", GERMAN.encode("utf-16-le"), "utf-16-le", ";", True),
    (
        "Excel CSV (cp1252) with €",
        (GERMAN + "Preis €;x;1;y;2;z\r\n").encode("cp1252"),
        "cp1252",
        ";",
        True,
    ),
    ("Latin-1 umlauts read as cp1252", GERMAN.encode("iso-8859-1"), "cp1252", ";", True),
    ("comma", GERMAN.replace(";", ",").encode(), "utf-8", ",", True),
    ("pipe", GERMAN.replace(";", "|").encode(), "utf-8", "|", True),
    ("no header row", NO_HEADER.encode("cp1252"), "cp1252", ";", False),
    ("Outlook English, quoted, embedded line break", OUTLOOK_EN.encode(), "utf-8", ",", True),
    ("DOS (cp850)", GERMAN.encode("cp850"), "cp850", ";", True),
    ("old Mac (Mac Roman)", GERMAN.encode("mac-roman"), "mac-roman", ";", True),
    ("ASCII only", b"Name,City\nAcme,Springfield\n", "utf-8", ",", True),
]


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter", "header"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_sample_files_are_detected(write, data, encoding, delimiter, header):
    detection = sniff(write(data))
    assert (detection.encoding, detection.delimiter, detection.has_header) == (
        encoding,
        delimiter,
        header,
    )
    assert len(detection.notes) == 3


def test_quoted_fields_with_the_separator_inside_do_not_fool_the_separator():
    data = 'Firma,Ort\n"Meier; Söhne",Bonn\n"Schulze; Partner",Köln\n"A; B; C",Ulm\n'
    detection = sniff(io.BytesIO(data.encode()))
    assert (detection.delimiter, detection.columns) == (",", 2)


def test_single_quotes_are_found_when_fields_use_them():
    data = "Firma,Ort\n'Meier, Söhne',Bonn\n'Schulze, Partner',Köln\n"
    detection = sniff(io.BytesIO(data.encode()))
    assert (detection.delimiter, detection.quotechar) == (",", "'")


def test_a_header_is_recognised_by_types_when_its_names_are_unknown():
    data = "Kunde;Kennziffer;Kontakt\nMeier;4711;a@b.de\nSchulze;4712;c@d.de\nLang;4713;e@f.de\n"
    detection = sniff(io.BytesIO(data.encode()))
    assert detection.has_header
    assert "differs from the rows below" in detection.notes[2]


def test_an_undecidable_first_row_is_taken_as_header_with_low_confidence():
    data = "Meier;Bonn\nSchulze;Köln\n"
    detection = sniff(io.BytesIO(data.encode()))
    assert detection.has_header
    assert detection.confidence == 0.5


def test_a_single_column_file_says_so():
    detection = sniff(io.BytesIO(b"Firma\nMeier\nSchulze\n"))
    assert detection.columns == 1
    assert "Only one column" in detection.notes[1]


def test_utf8_cut_inside_a_character_at_the_sample_end_is_still_utf8(write):
    line = "Müller;Köln\n".encode()
    data = b"Firma;Ort\n" + line * (SAMPLE_SIZE // len(line) + 10)
    # Pad the start so that the sample ends between the two bytes of an "ü".
    cut = data.index("ü".encode(), SAMPLE_SIZE - 20) + 1
    data = b"x" * (SAMPLE_SIZE - cut) + data
    assert data[SAMPLE_SIZE - 1 : SAMPLE_SIZE + 1] == "ü".encode()
    assert sniff(write(data)).encoding == "utf-8"


def test_only_the_first_64_kb_are_read(write):
    class Counting(io.BytesIO):
        read_total = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.read_total += len(data)
            return data

    source = Counting(GERMAN.encode() * 5000)
    sniff(source)
    assert Counting.read_total <= SAMPLE_SIZE
    assert source.tell() == 0


def test_a_file_object_is_put_back_where_it_was():
    source = io.BytesIO(b"junk" + GERMAN.encode())
    source.seek(4)
    sniff(source)
    assert source.tell() == 4


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_an_empty_file_is_reported(write, data):
    with pytest.raises(EmptyFile, match="The file is empty"):
        sniff(write(data))


def test_a_binary_file_renamed_to_csv_is_reported(write):
    xlsx_like = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 50
    with pytest.raises(NotText, match="not a text file"):
        sniff(write(xlsx_like, "adressen.csv"))


def test_control_bytes_without_zeros_are_not_text(write):
    with pytest.raises(NotText):
        sniff(write(bytes(range(1, 32)) * 100))


def test_the_user_can_override_what_was_detected():
    detection = sniff(io.BytesIO(GERMAN.encode()))
    changed = detection.override(encoding="cp1252", has_header=False)
    assert (changed.encoding, changed.delimiter, changed.has_header) == ("cp1252", ";", False)
    assert changed.notes == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"encoding": "rot13"},
        {"encoding": "base64"},
        {"delimiter": ";;"},
        {"quotechar": "x"},
        {"has_header": "yes"},
    ],
)
def test_an_invalid_override_is_refused_with_a_message(changes):
    detection = Detection("utf-8", ";")
    with pytest.raises(InvalidDetection) as error:
        detection.override(**changes)
    assert str(error.value)


def test_a_detection_survives_a_dict_round_trip():
    detection = Detection("utf-16-le", "\t", "'", False)
    assert Detection.from_dict(detection.to_dict()) == detection


@pytest.mark.parametrize("data", [{}, {"encoding": "utf-8"}, {"encoding": "x", "delimiter": ";"}])
def test_incomplete_settings_are_refused(data):
    with pytest.raises(InvalidDetection):
        Detection.from_dict(data)


def _quoted(values, delimiter=","):
    return delimiter.join(f'"{value}"' for value in values) + "\r\n"


def test_outlook_german_export_is_detected(write):
    row = [""] * len(samples.OUTLOOK_DE)
    row[1], row[3], row[5] = "Jürgen", "Größ", "Müller, Bau & Söhne GmbH"
    data = (_quoted(samples.OUTLOOK_DE) + _quoted(row)).encode("cp1252")
    detection = sniff(write(data))
    assert (detection.encoding, detection.delimiter, detection.has_header) == ("cp1252", ",", True)
    assert detection.columns == len(samples.OUTLOOK_DE)


def test_google_contacts_export_is_detected(write):
    row = ["Erika", "", "Mustermann"] + [""] * (len(samples.GOOGLE) - 3)
    data = (",".join(samples.GOOGLE) + "\n" + ",".join(row) + "\n").encode()
    detection = sniff(write(data))
    assert (detection.encoding, detection.delimiter, detection.has_header) == ("utf-8", ",", True)

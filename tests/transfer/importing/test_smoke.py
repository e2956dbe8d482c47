from merkur.companies.models import Company, Person


def test_a_small_file_creates_companies_and_people(run, master):
    result = run(
        "Firma;Straße;PLZ;Ort;Anrede;Vorname;Nachname;E-Mail\n"
        "Müller Bau GmbH;Hauptstr. 1;80331;München;Herr;Hans;Müller;hans@mueller.de\n"
        "Schmidt AG;Am Markt 3;04109;Leipzig;Frau;Anna;Schmidt;\n"
    )
    assert result.failure == "", result.failure
    assert result.bad == []
    assert result.written
    assert Company.objects.count() == 2
    assert Person.objects.count() == 2
    print(result.summary())

"""The import's derived columns equal what the models compute for the same values."""

from hypothesis import given, settings
from hypothesis import strategies as st

from merkur.addresses.models import Address
from merkur.companies.models import Company, Person, Salutation, Title
from merkur.transfer.importing import derived

# Letters as address files have them, with the odd punctuation, digits and spaces.
text = st.text(
    alphabet=st.sampled_from("aAäÄöÖüÜßéèçøÆ Mm-.&,/'0123456789@ \t\u0301ﬁ"),
    min_size=0,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(name=text.filter(str.strip), name2=text, number=text, city=text, email=text)
def test_company_columns_equal_refresh_derived(name, name2, number, city, email):
    company = Company(name=name, name2=name2, number=number, email=email)
    company.refresh_derived(contact_address=Address(city=city, country="DE"), people_text="")
    assert derived.company_sort_name(name, name2) == company.sort_name
    assert (
        derived.company_search_text(name=name, name2=name2, number=number, city=city, email=email)
        == company.search_text
    )


@settings(max_examples=300, deadline=None)
@given(first=text, last=text.filter(str.strip), email=text)
def test_person_columns_equal_refresh_derived(first, last, email):
    person = Person(first_name=first, last_name=last, email=email)
    person.refresh_derived()
    assert derived.person_sort_name(first, last) == person.sort_name
    assert derived.person_search_text(first, last, email) == person.search_text


@settings(max_examples=100, deadline=None)
@given(first=text, last=text.filter(str.strip), email=text, name=text.filter(str.strip))
def test_a_companys_search_text_with_its_person_equals_refresh_derived(first, last, email, name):
    person = Person(first_name=first, last_name=last, email=email)
    company = Company(name=name)
    people_text = " ".join(part for part in (first, last, email) if part)
    company.refresh_derived(
        contact_address=Address(city="Bern", country="CH"), people_text=people_text
    )
    words = derived.person_search_text(first, last, email)
    assert (
        derived.company_search_text(
            name=name, name2="", number="", city="Bern", email="", people_words=words
        )
        == company.search_text
    )
    assert person  # built like the services build it


def test_letter_salutation_equals_the_models():
    frau = Salutation(name="Frau", letter_salutation="Sehr geehrte Frau")
    doctor = Title(name="Dr.", in_letter_salutation=True)
    engineer = Title(name="Dipl.-Ing.", in_letter_salutation=False)
    for salutation, title in [(frau, doctor), (frau, engineer), (None, doctor), (frau, None)]:
        person = Person(salutation=salutation, title=title, last_name="Muster")
        assert (
            derived.letter_salutation(
                salutation_opening=salutation.letter_salutation if salutation else "",
                title=title.name if title else "",
                title_in_salutation=bool(title and title.in_letter_salutation),
                last_name="Muster",
            )
            == person.generated_letter_salutation()
        )


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
    | st.text(alphabet=st.sampled_from("aAäÄöÖüÜßéçøÆİ \t\x1c\u00a0\u2003\u0301ﬁ.@"), max_size=30)
)
def test_quick_fold_equals_fold(text):
    """Every ASCII character (control characters and all) and some that are not."""
    from merkur.core.text import fold

    assert derived.quick_fold(text) == fold(text)

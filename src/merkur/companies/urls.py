from django.urls import path

from merkur.companies.views import addresses, companies, exports, people

app_name = "companies"
urlpatterns = [
    path("", companies.company_list, name="list"),
    path("new/", companies.company_create, name="create"),
    path("export/", exports.company_export, name="export"),
    path("search/", companies.company_autocomplete, name="autocomplete"),
    path("<int:pk>/", companies.company_detail, name="detail"),
    path("<int:pk>/edit/", companies.company_edit, name="edit"),
    path("<int:pk>/archive/", companies.company_archive, name="archive"),
    path("<int:pk>/restore/", companies.company_restore, name="restore"),
    path("<int:pk>/history/", companies.company_history_page, name="history"),
    path(
        "<int:pk>/contact-address/",
        addresses.contact_address_edit,
        name="contact_address_edit",
    ),
    path("<int:pk>/addresses/<slug:kind>/new/", addresses.address_add, name="address_add"),
    path("<int:pk>/people/new/", people.person_create, name="person_create"),
    path("addresses/<int:pk>/edit/", addresses.address_edit, name="address_edit"),
    path(
        "addresses/<int:pk>/default/",
        addresses.address_set_default,
        name="address_set_default",
    ),
    path("addresses/<int:pk>/remove/", addresses.address_remove, name="address_remove"),
    path("people/", people.person_list, name="people"),
    path("people/export/", exports.person_export, name="people_export"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", people.person_move, name="person_move"),
    path("people/<int:pk>/archive/", people.person_archive, name="person_archive"),
    path("people/<int:pk>/restore/", people.person_restore, name="person_restore"),
]

from merkur.journal.views import absences, calendar, contacts, followups, output

app_name = "journal"

urlpatterns = [
    *contacts.urlpatterns,
    *followups.urlpatterns,
    *absences.urlpatterns,
    *calendar.urlpatterns,
    *output.urlpatterns,
]

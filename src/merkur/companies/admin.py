"""Django admin for companies, people and master tables — for looking, not for changing.

Companies, people and address links change only through ``services`` (history,
derived search columns, invariants), which the admin's plain saves would
bypass; so the admin shows them read-only and points to the app's pages.
Master entries may be renamed and deactivated here, but never deleted (an
entry in use must stay; the master-data pages explain why).
"""

from django.contrib import admin

from merkur.companies import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_search_results(self, request, queryset, search_term):
        # The same umlaut-tolerant search as the app (``Müller`` finds ``Mueller``).
        if hasattr(queryset, "search"):
            return queryset.search(search_term), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ["name", "name2", "number", "postal_code", "city", "country", "archived_at"]
    list_select_related = ["company_class", "sales_rep"]
    list_filter = ["country", "company_class", "sales_rep"]
    search_fields = ["search_text"]
    show_full_result_count = False  # no full COUNT on a million rows
    view_on_site = True


@admin.register(models.Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "company", "email", "phone", "archived_at"]
    list_select_related = ["company"]
    search_fields = ["search_text"]
    raw_id_fields = ["company"]
    show_full_result_count = False
    view_on_site = True


@admin.register(models.CompanyAddress)
class CompanyAddressAdmin(ReadOnlyAdmin):
    list_display = ["company", "kind", "is_default", "address", "person"]
    list_select_related = ["company", "address", "person"]
    list_filter = ["kind", "is_default"]
    raw_id_fields = ["company", "address", "person"]
    show_full_result_count = False


class MasterAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for _model in (
    models.Industry,
    models.InterestArea,
    models.CompanyClass,
    models.SalesRep,
    models.LegalForm,
    models.Function,
    models.PersonCode,
    models.Salutation,
    models.Title,
):
    admin.site.register(_model, MasterAdmin)

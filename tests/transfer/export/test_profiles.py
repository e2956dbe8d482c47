"""Export profiles: checked options, names unique per owner and among shared ones, versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from merkur.core.locking import EditConflict
from merkur.transfer.export import profiles
from merkur.transfer.models import ExportProfile

pytestmark = pytest.mark.django_db


def save(by, profile=None, **data):
    data.setdefault("options", {"format": "csv"})
    return profiles.profile_save(data=data, by=by, profile=profile)


def test_options_are_checked_and_stored_complete(sales_user):
    profile = save(
        sales_user, name="Semikolon", options={"format": "jsonl", "columns": ["company.name"]}
    )
    assert profile.format == "jsonl"
    assert profile.options["columns"] == ["company.name"]
    assert profile.options["separator"] == ";"  # every option, so old profiles keep loading
    assert profile.schema == ExportProfile.SCHEMA
    assert profiles.read_options(profile).format == "jsonl"
    with pytest.raises(ValidationError) as error:
        save(sales_user, name="Kaputt", options={"format": "csv", "encoding": "ebcdic"})
    assert "options.encoding" in error.value.message_dict


def test_names_are_unique_per_owner_and_among_shared(sales_user, marketing_user):
    save(sales_user, name="Adressen", shared=True)
    with pytest.raises(ValidationError):
        save(sales_user, name="adressen")
    private = save(marketing_user, name="ADRESSEN")  # a private one of another user is fine
    with pytest.raises(ValidationError):
        save(marketing_user, profile=private, shared=True)
    with pytest.raises(ValidationError):
        save(sales_user, name="   ")


def test_only_owner_or_admin_change_and_versions_count(sales_user, marketing_user, admin_user):
    profile = save(sales_user, name="Mein Profil", shared=True)
    with pytest.raises(PermissionDenied):
        save(marketing_user, profile=profile, name="Gekapert")
    changed = save(admin_user, profile=profile, name="Vom Admin")
    assert changed.version == 2 and changed.owner == sales_user
    with pytest.raises(EditConflict):
        profiles.profile_save(
            data={"name": "Alt"}, by=sales_user, profile=profile, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        profiles.profile_delete(profile=changed, by=marketing_user)
    profiles.profile_delete(profile=changed, by=sales_user)
    assert not ExportProfile.objects.exists()


def test_finding_prefers_the_own_profile(sales_user, marketing_user):
    shared = save(marketing_user, name="Liste", shared=True)
    own = save(sales_user, name="liste")
    assert profiles.find(sales_user, "Liste") == own
    assert profiles.find(marketing_user, "liste") == shared
    assert profiles.find(marketing_user, str(own.pk)) is None  # private to its owner
    assert profiles.find(sales_user, "") is None

"""Who may do what with a contact beyond the role's capabilities — one place for pages and API."""

from merkur.core.roles import Capability, has_capability
from merkur.journal.models import Contact, ContactAttachment


def can_delete_contact(user, contact: Contact) -> bool:
    """Whoever recorded it, or an administrator (manage journal)."""
    if has_capability(user, Capability.MANAGE_JOURNAL):
        return True
    return has_capability(user, Capability.WRITE_JOURNAL) and contact.recorded_by_id == user.pk


def can_delete_attachment(user, attachment: ContactAttachment) -> bool:
    """Whoever uploaded it, whoever may delete the contact, or an administrator."""
    if has_capability(user, Capability.WRITE_JOURNAL) and attachment.uploaded_by_id == user.pk:
        return True
    return can_delete_contact(user, attachment.contact)

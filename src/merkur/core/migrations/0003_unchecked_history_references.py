"""The change records' references are kept by Django, not checked by the database.

Every change writes a record (a large import two per row); the database
checked three references of each. Deleting a company or user still deletes
or unlinks its records (``on_delete`` is Django's).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('companies', '0004_drop_redundant_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_drop_redundant_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='changerecord',
            name='company',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='change_records', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='changerecord',
            name='content_type',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype'),
        ),
        migrations.AlterField(
            model_name='changerecord',
            name='user',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL),
        ),
    ]

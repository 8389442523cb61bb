"""Shared links: a published snapshot of a conversation (docs/api-behaviour.md#shared-links)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('convos_app', '0004_projects_pin_archive'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SharedLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('share_id', models.CharField(max_length=64, unique=True)),
                ('target_message_id', models.CharField(blank=True, max_length=64, null=True)),
                ('title', models.CharField(default='New Chat', max_length=1024)),
                ('public_conversation_id', models.CharField(max_length=64)),
                ('hide_model', models.BooleanField(default=False)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shared_links', to='convos_app.conversation')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='SharedMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('message_id', models.CharField(max_length=64)),
                ('parent_message_id', models.CharField(max_length=64)),
                ('sender', models.CharField(blank=True, default='', max_length=255)),
                ('text', models.TextField(blank=True, default='')),
                ('content', models.JSONField(blank=True, null=True)),
                ('is_created_by_user', models.BooleanField(default=False)),
                ('endpoint', models.CharField(blank=True, max_length=128, null=True)),
                ('model', models.CharField(blank=True, max_length=255, null=True)),
                ('error', models.BooleanField(default=False)),
                ('unfinished', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField()),
                ('link', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='convos_app.sharedlink')),
            ],
            options={
                'ordering': ['link_id', 'position'],
            },
        ),
        migrations.AddIndex(
            model_name='sharedlink',
            index=models.Index(fields=['user', 'created_at', 'id'], name='share_user_created'),
        ),
        migrations.AddIndex(
            model_name='sharedlink',
            index=models.Index(fields=['user', 'title', 'id'], name='share_user_title'),
        ),
        migrations.AddIndex(
            model_name='sharedlink',
            index=models.Index(fields=['user', '-updated_at'], name='share_user_updated'),
        ),
        migrations.AddConstraint(
            model_name='sharedlink',
            constraint=models.UniqueConstraint(fields=('conversation', 'target_message_id'), name='share_one_per_target', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='sharedmessage',
            constraint=models.UniqueConstraint(fields=('link', 'position'), name='shared_message_position'),
        ),
    ]

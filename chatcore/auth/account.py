"""Deleting one's own account with everything in it (``DELETE /api/user``).

The password is asked again (a stolen access token alone must not erase an account). Then, in
one transaction, every table that holds the user's rows is emptied of them with set-based
statements, children before parents: the kernel finds those tables from the model graph
(every owned table carries its owner, docs/architecture.md#data-model), so it names no app's
model and a new owned model is deleted too. Rows that only record the user (the staff access
log) keep their copied email and lose the link. The answer counts what was deleted
(docs/api-behaviour.md#account-deletion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from chatcore.bulk import delete_set_based
from chatcore.errors import Forbidden
from chatcore.models import User
from chatcore.search.models import SearchDocument

PASSWORD_INCORRECT = "Password is incorrect"
ACCOUNT_DELETED = "Account deleted"


@dataclass(frozen=True)
class AccountDeletion:
    counts: dict[str, int]


def _count_key(model: type[models.Model]) -> str:
    """``content parts`` → ``contentParts``: the wire name of a model's count."""
    words = re.split(r"[\s_]+", str(model._meta.verbose_name_plural).strip())
    return words[0].lower() + "".join(word[:1].upper() + word[1:] for word in words[1:])


def _owner_relations() -> list[tuple[type[models.Model], str, object]]:
    """(model, owner field name, on_delete) of every foreign key to the user model."""
    found = []
    for model in apps.get_models():
        if model is User:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one and field.related_model is User:
                found.append((model, field.name, field.remote_field.on_delete))
    return found


def _children_first(owned: list[type[models.Model]]) -> list[type[models.Model]]:
    """Order ``owned`` so a model pointing at another owned model is deleted before it."""
    remaining = list(owned)
    ordered: list[type[models.Model]] = []
    while remaining:
        for model in remaining:
            pointed_at_by = [
                other
                for other in remaining
                if other is not model
                and any(
                    f.is_relation and f.related_model is model for f in other._meta.concrete_fields
                )
            ]
            if not pointed_at_by:
                ordered.append(model)
                remaining.remove(model)
                break
        else:  # a cycle between owned models: delete the rest in model order
            ordered.extend(remaining)
            break
    return ordered


@transaction.atomic
def account_delete(*, user: User, password: str) -> AccountDeletion:
    """Delete ``user`` and every row they own after checking ``password`` (``Forbidden`` when
    it is wrong); returns the counts per kind of row."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(password):
        raise Forbidden(PASSWORD_INCORRECT)
    relations = _owner_relations()
    cascade = {
        model: name
        for model, name, on_delete in relations
        if on_delete in (models.CASCADE, models.DO_NOTHING)
        and model not in (SearchDocument, OutstandingToken)
    }
    counts: dict[str, int] = {}
    done: list[type[models.Model]] = []
    for model in _children_first(list(cascade)):
        queryset = model._base_manager.filter(**{cascade[model]: locked})
        counts[_count_key(model)] = delete_set_based(queryset, skip=tuple(done))
        done.append(model)
    # Whatever the delete triggers left (a row deleted outside the ORM), then the sessions.
    SearchDocument.objects.filter(user=locked)._raw_delete(SearchDocument.objects.db)
    counts["refreshTokens"] = delete_set_based(OutstandingToken.objects.filter(user=locked))
    for model, name, on_delete in relations:
        if on_delete is models.SET_NULL and model is not OutstandingToken:
            model._base_manager.filter(**{name: locked}).update(**{name: None})
    locked.groups.clear()
    locked.user_permissions.clear()
    delete_set_based(User.objects.filter(pk=locked.pk), skip=(*done, OutstandingToken))
    return AccountDeletion(counts=dict(sorted(counts.items())))

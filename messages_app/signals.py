"""Signals messages_app sends so that the layer above can react without being imported.

``reply_saved`` fires inside the writing transaction right after the first assistant message
of a conversation is stored (``services.message_create``). ``convos_app`` connects its titler
in ``ConvosAppConfig.ready``; messages_app itself knows nothing about titles
(docs/architecture.md, "How a lower layer talks up").
"""

from django.dispatch import Signal

# Sent with ``conversation`` (the Conversation row), ``user_text`` and ``assistant_text``
# (either may be None: the receiver reads the messages itself then).
reply_saved = Signal()

# Sent after commit with ``conversation_pks`` whose messages were deleted, so caches built
# from them above this app (the chats API's prompt context) are dropped.
messages_deleted = Signal()

"""Routes of seeds 003/004 (/api/chats/...)."""

app_name = "chats"

urlpatterns: list = []

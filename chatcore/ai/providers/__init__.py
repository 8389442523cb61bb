"""Provider implementations of ``chatcore.ai.base.ChatProvider``."""

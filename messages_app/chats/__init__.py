"""Seed 003/004 "chats": conversations and messages seen through Hardwire-style field names."""

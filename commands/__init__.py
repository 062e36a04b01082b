"""Platform-neutral /klout command handlers.

Nothing in this package imports slack_bolt or discord: a handler takes a
Context and returns a Reply, and the adapters in chatbot/platforms translate.
"""

"""Value types every layer shares (accounts, network errors, replies, delivery markers,
service outcomes): they import nothing else from the bot, so imports can run one way,
platforms -> commands -> services -> storage."""

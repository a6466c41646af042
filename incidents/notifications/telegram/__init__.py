"""The organisation's Telegram bot: the Bot API client (client), linking a bot, chats and people
(linking), the updates it receives by long polling or webhook (updates)."""

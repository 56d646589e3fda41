"""The reminder engine: a lower layer under the bot, importing nothing from `bot/`.

`recurrence` (pure: weekly meetings across DST), `store` (claims and leases of due reminders),
`writer` (the fast outcome writer), `engine` (the send loop), `limiter` (Telegram's limits) and
`budget` (the overall rate shared by every instance on one database).
What it needs of the bot (its tables, its meetings, how to send) comes in as `store.Tables`,
`store.Planner` and `engine.Send`; `bot/reminder_store.py` binds them.
"""

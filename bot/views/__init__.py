"""Views: the texts and keyboards the bot shows, rendered from content packs (no I/O).

A view takes what it shows (a language pack, a meeting, a time) and returns text and button rows;
it never sends, reads the database or the clock. Views may import the pure domain (`bot.meetings`,
`bot.subscriptions`' value types, `scheduler`), `bot.content` and `bot.callbacks`; never a handler,
delivery or storage.
"""

"""The peer-support bot. Floors that run one way (each may import only the floors below it):

- Telegram glue: `handlers/` (one `register()`), `views/` (texts and keyboards, no I/O),
  `delivery/` (what the bot sends on its own), `webhook`, `terminal`, `app`, `__main__`.
- Services: `storage`, `reminder_store`, `subscriptions`, `services` (the library of content and
  its models, swapped whole on reload), `models` (training and its cache), `meeting_import`,
  `organizer`, `purge`, `flows`.
- Pure domain (no Telegram, no database, no clock of its own): `meetings`, `personal`, `timezones`,
  `feed_zones`, `matching`, `classifier`, `understanding`, `danger`, `safety`, and `scheduler/`.
- The content contract: `content`, `examples`, `yamlfile`, `config`.
Nothing imports `__main__`, and nothing but `handlers/__init__.py` imports a handler module
(`tests/test_layers.py` checks both).
"""

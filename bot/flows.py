"""Multi-step flows (/addmeeting, /timezone, /announce): their state lives in the database.

Which callback takes a flow's text, and how long a flow waits, is `register`'s table (`_flows` in
`bot.handlers`); the text router clears a flow that waited too long. A service: imports storage.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.storage import FlowState, Storage


@dataclass(frozen=True)
class Flow:
    """Where a chat is in a flow, and what it has collected so far."""

    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    # When the flow last moved on (set when read from the database).
    updated_at: dt.datetime | None = None

    def fresh(self, now: dt.datetime, ttl: dt.timedelta) -> bool:
        """Whether the flow moved on within `ttl`: an abandoned one should not catch text."""
        return self.updated_at is not None and dt.timedelta(0) <= now - self.updated_at <= ttl


async def get_flow(storage: Storage, chat_id: int) -> Flow | None:
    """The chat's flow, if it is in one. On the path of every typed message: one light query."""
    query = select(FlowState.flow, FlowState.step, FlowState.data, FlowState.updated_at).where(
        FlowState.chat_id == chat_id
    )
    async with storage.engine.connect() as connection:
        row = (await connection.execute(query)).first()
    if row is None:
        return None
    return Flow(row.flow, row.step, json.loads(row.data), row.updated_at)


async def set_flow(storage: Storage, chat_id: int, flow: Flow, now: dt.datetime) -> None:
    """Start or move a flow on (the user row must exist: flows are deleted with the user)."""
    async with storage.session() as session:
        await storage.ensure_user(session, chat_id, now)
        row = await session.get(FlowState, chat_id)
        text = json.dumps(flow.data)
        if row is None:
            session.add(
                FlowState(
                    chat_id=chat_id, flow=flow.name, step=flow.step, data=text, updated_at=now
                )
            )
        else:
            row.flow, row.step, row.data, row.updated_at = flow.name, flow.step, text, now


async def clear_flow(storage: Storage, chat_id: int) -> bool:
    """End whatever flow the chat is in; True when there was one."""
    async with storage.session() as session:
        row = await session.get(FlowState, chat_id)
        if row is None:
            return False
        await session.delete(row)
        return True

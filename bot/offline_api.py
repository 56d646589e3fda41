"""An offline Bot API at PTB's request boundary: answers like Telegram, with no network.

The terminal chat uses it to talk to a person at a keyboard, and the tests use it to record what the
bot sends. Everything above it (Bot, Application, handlers, JobQueue) is the real PTB stack.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER: dict[str, Any] = {
    "id": 1000,
    "is_bot": True,
    "first_name": "Recovery Companion",
    "username": "recovery_companion_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# What an administrator's ChatMember carries besides its status and user (getChatMember).
_ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_TRUE_METHODS = {
    "setMyCommands",
    "deleteWebhook",
    "setWebhook",
    "answerCallbackQuery",
    "sendChatAction",
    "deleteMessage",
    "close",
    "logOut",
}


NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: the Bot API method and its decoded parameters."""

    method: str
    params: dict[str, Any]
    result: Any = None
    # Uploaded files (sendDocument...): part name -> (file name, content).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data or url) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data") or b.get("url") or "")
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Failure:
    """An error to answer with, once, for the next call to `method` (429, 403, 5xx...)."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    # A group that became a supergroup: its new id (Telegram's 400 "group chat was upgraded").
    migrate_to_chat_id: int | None = None


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _uploads(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    if request_data is None or not request_data.contains_files:
        return {}
    return {
        name: (filename, content if isinstance(content, bytes) else content.read())
        for name, (filename, content, _mime) in request_data.multipart_data.items()
    }


@dataclass
class OfflineBotApi(BaseRequest):
    """Answers Bot API methods in memory and records every call in `calls`."""

    calls: list[ApiCall] = field(default_factory=list)
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    failures: list[Failure] = field(default_factory=list)
    on_call: Callable[[ApiCall], None] | None = None
    # Tests: an error to answer a call (method, parameters) with now (an outage by the clock),
    # or None to answer it.
    fail_when: Callable[[str, dict[str, Any]], Failure | None] | None = None
    # Tests: awaited before each answer (a slow Telegram: other sends go on meanwhile).
    before_answer: Callable[[str], Awaitable[None]] | None = None
    poll_seconds: float = 0.2
    # Tests: who administers each group chat (chat id -> user ids), for getChatMember.
    chat_admins: dict[int, set[int]] = field(default_factory=dict)
    _message_id: int = 0
    # (chat id, message id) -> the inline keyboard it was last given.
    _markups: dict[tuple[int, int], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call as Telegram would."""
        api_method = url.rsplit("/", 1)[-1]
        params = (
            {k: _decode(v) for k, v in request_data.json_parameters.items()} if request_data else {}
        )
        if api_method == "getUpdates":
            return 200, self._ok(await self._next_updates(params))
        files = _uploads(request_data)
        if self.before_answer is not None:
            await self.before_answer(api_method)
        failures = [f for f in self.failures if f.method == api_method][:1]
        if failures:
            self.failures.remove(failures[0])
        elif self.fail_when is not None:
            failures = [f for f in (self.fail_when(api_method, params),) if f is not None]
        for failure in failures:
            if failure.method == api_method:
                self.calls.append(ApiCall(api_method, params))
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                if failure.migrate_to_chat_id is not None:
                    body["parameters"] = {"migrate_to_chat_id": failure.migrate_to_chat_id}
                return failure.status, json.dumps(body).encode()
        if api_method == "editMessageReplyMarkup" and self._unchanged(params):
            # As Telegram answers an edit that changes nothing (a second press of one button).
            self.calls.append(ApiCall(api_method, params))
            body = {"ok": False, "error_code": 400, "description": NOT_MODIFIED}
            return 400, json.dumps(body).encode()
        call = ApiCall(api_method, params, self._result(api_method, params), files)
        self._keep_markup(api_method, params, call.result)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        return 200, self._ok(call.result)

    async def _next_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = min(float(params.get("timeout") or 0), self.poll_seconds)
        try:
            first = await asyncio.wait_for(self.updates.get(), timeout=timeout or 0.01)
        except TimeoutError:
            return []
        batch = [first]
        while not self.updates.empty():
            batch.append(self.updates.get_nowait())
        return batch

    def _unchanged(self, params: dict[str, Any]) -> bool:
        """Whether an edit of a message's keyboard would leave the keyboard it has."""
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        return key in self._markups and self._markups[key] == (params.get("reply_markup") or {})

    def _keep_markup(self, api_method: str, params: dict[str, Any], result: Any) -> None:
        """Remember each sent or edited message's inline keyboard (for `_unchanged`)."""
        if not api_method.startswith(("send", "edit")) or not isinstance(result, dict):
            return
        key = (int(result["chat"]["id"] or 0), int(result["message_id"]))
        self._markups[key] = params.get("reply_markup") or {}

    def _result(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return BOT_USER
        if api_method in _TRUE_METHODS:
            return True
        if api_method.startswith(("send", "edit")):
            return self._message(params)
        if api_method == "getChatMember":
            return self._member(int(params["chat_id"]), int(params["user_id"]))
        return True

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": "Member"}
        if user_id not in self.chat_admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        return {"status": "administrator", "user": user, **dict.fromkeys(_ADMIN_RIGHTS, False)}

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        if "message_id" in params:
            message_id = int(params["message_id"])
        else:
            self._message_id += 1
            message_id = self._message_id
        chat_id = params.get("chat_id", 0)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "supergroup" if int(chat_id) < 0 else "private"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # As Telegram answers: a message carries its inline keyboard, never a reply keyboard.
            message["reply_markup"] = markup
        if "document" in params:
            message["document"] = {"file_id": "offline", "file_unique_id": "offline"}
        return message

    @staticmethod
    def _ok(result: Any) -> bytes:
        return json.dumps({"ok": True, "result": result}).encode()

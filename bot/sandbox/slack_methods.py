"""The Web API methods other than ``views.*``: auth, chat, conversations, users, files.

Messages go to channels, to a user's DM (a user id as ``channel`` opens it) or into threads;
blocks are checked against Slack's message limits (``blockkit_limits.check_blocks``).
"""

from __future__ import annotations

import json
import mimetypes
import secrets
import time

from bot.sandbox.blockkit_limits import check_blocks
from bot.sandbox.slack_state import _MESSAGE_KEYS, Args, SimState, _copy, _Refusal


class SimMethods(SimState):
    """``auth.test``, ``chat.*``, ``conversations.*``, ``users.*``, ``files.info``, the
    external upload (``files.getUploadURLExternal`` and ``files.completeUploadExternal``),
    user groups."""

    # ------------------------------------------------------------------ method helpers
    def _channel(self, args: Args, key: str = "channel") -> str:
        """The channel a method targets; a user id means the app's DM with that user."""
        channel = str(args.get(key) or "")
        if channel[:1] in ("U", "W"):
            if self.strict and channel not in self._users:
                raise _Refusal("channel_not_found")
            if channel not in self._ims:
                self._ims[channel] = self._next("D")
                self.add_channel(self._ims[channel], channel, is_im=True, members=[channel])
                self._channels[self._ims[channel]]["user"] = channel
            return self._ims[channel]
        if not channel or (self.strict and channel not in self._channels):
            raise _Refusal("channel_not_found")
        if channel not in self._channels:
            self.add_channel(channel, channel.lower())
        return channel

    # ------------------------------------------------------------------ Web API methods
    def api_auth_test(self, args: Args) -> Args:
        """``auth.test``: who the token belongs to (Bolt calls it at start-up)."""
        who = {"url": self.root, "team": self.team_domain, "user": "portbot"}
        return {**who, "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id}

    def api_apps_connections_open(self, args: Args) -> Args:
        """``apps.connections.open``: a Socket Mode URL, for an app-level token (``xapp-``) sent
        in the Authorization header; the attached endpoint (``slack_socket``) issues it."""
        if not str(getattr(self._caller, "token", "")).startswith("xapp-"):
            raise _Refusal("not_allowed_token_type")
        if self.socket_mode is None:
            raise _Refusal("access_denied")  # Socket Mode is off: no endpoint is attached
        return {"url": self.socket_mode()}

    def api_chat_postMessage(self, args: Args) -> Args:
        """``chat.postMessage``: to a channel, a user's DM (user id) or a thread (``thread_ts``)."""
        channel = self._channel(args)
        if self._channels[channel].get("is_member") is False:
            raise _Refusal("not_in_channel")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise _Refusal("no_text")
        if problems := check_blocks(args.get("blocks") or [], "/blocks", 50):
            raise _Refusal("invalid_blocks", problems)
        msg = self._store_message(channel, args, args.get("thread_ts"))
        return {"channel": channel, "ts": msg["ts"], "message": _copy(msg)}

    def api_chat_update(self, args: Args) -> Args:
        """``chat.update``: new text/blocks for a message found by channel and ts."""
        channel = self._channel(args)
        if (msg := self._msgs.get(channel, {}).get(str(args.get("ts")))) is None:
            raise _Refusal("message_not_found")
        if problems := check_blocks(args.get("blocks") or [], "/blocks", 50):
            raise _Refusal("invalid_blocks", problems)
        msg.update({k: args[k] for k in _MESSAGE_KEYS if k in args})
        msg["edited"] = {"user": self.bot_user_id, "ts": f"{time.time():.6f}"}
        return {"channel": channel, "ts": msg["ts"], "text": msg["text"], "message": _copy(msg)}

    def api_chat_postEphemeral(self, args: Args) -> Args:
        """``chat.postEphemeral``: only members of the channel can be shown one."""
        channel, user = self._channel(args), str(args.get("user") or "")
        members = self._channels[channel]["members"]
        if not user or (members and user not in members):
            raise _Refusal("user_not_in_channel")
        ts = f"{int(time.time())}.{self._next('')[-6:]}"
        self._ephemerals.append({**args, "channel": channel, "user": user, "ts": ts})
        return {"message_ts": ts}

    def api_chat_getPermalink(self, args: Args) -> Args:
        """``chat.getPermalink``: a link to a stored message (replies carry the thread)."""
        channel = self._channel(args)
        if (msg := self._msgs.get(channel, {}).get(str(args.get("message_ts")))) is None:
            raise _Refusal("message_not_found")
        link = f"{self.root}archives/{channel}/p{msg['ts'].replace('.', '')}"
        if msg.get("thread_ts") not in (None, msg["ts"]):
            link += f"?thread_ts={msg['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def api_conversations_info(self, args: Args) -> Args:
        """``conversations.info``: a channel added with ``add_channel`` or opened as a DM."""
        if (channel := self._channels.get(str(args.get("channel")))) is None:
            raise _Refusal("channel_not_found")
        return {"channel": {k: v for k, v in channel.items() if k != "members"}}

    def api_conversations_open(self, args: Args) -> Args:
        """``conversations.open`` with one user: the app's DM channel (``D…``) with them."""
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise _Refusal("not_enough_users" if users else "invalid_arguments")
        if self.strict and users[0] not in self._users:
            raise _Refusal("user_not_found")
        already = users[0] in self._ims
        cid = self._channel({"channel": users[0]})
        full = str(args.get("return_im")).lower() in ("1", "true")
        channel = self.api_conversations_info({"channel": cid})["channel"] if full else {"id": cid}
        return {"channel": channel, "already_open": already, "no_op": already}

    def api_users_info(self, args: Args) -> Args:
        """``users.info`` for a user added with ``add_user``."""
        if (user := self._users.get(str(args.get("user")))) is None:
            raise _Refusal("user_not_found")
        return {"user": _copy(user)}

    def api_users_lookupByEmail(self, args: Args) -> Args:
        """``users.lookupByEmail`` (case-insensitive); a miss is ``users_not_found``."""
        email = str(args.get("email") or "").lower()
        for user in self._users.values():
            if str(user["profile"].get("email") or "").lower() == email:
                return {"user": _copy(user)}
        raise _Refusal("users_not_found")

    def api_files_info(self, args: Args) -> Args:
        """``files.info`` for a file added with ``add_file``."""
        if (stored := self._files.get(str(args.get("file")))) is None:
            raise _Refusal("file_not_found")
        return {"file": _copy(stored[0]), "comments": [], "response_metadata": {"next_cursor": ""}}

    def api_files_getUploadURLExternal(self, args: Args) -> Args:
        """``files.getUploadURLExternal``: a file id and a one-time URL to POST its bytes to
        (``slack_http`` serves ``/upload/v1/<token>``); ``length`` must be what is sent."""
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or "")
        except ValueError:
            raise _Refusal("invalid_arguments") from None
        if not filename or length < 1:
            raise _Refusal("invalid_arguments")
        fid, token = self._next("F"), secrets.token_hex(12)
        self._uploads[token] = {"id": fid, "filename": filename, "length": length, "data": None}
        return {"upload_url": f"{self.root}upload/v1/{token}", "file_id": fid}

    def api_files_completeUploadExternal(self, args: Args) -> Args:
        """``files.completeUploadExternal``: files whose bytes arrived become files, shared in
        ``channel_id`` (a message carrying them and ``initial_comment``) when it is given."""
        raw = args.get("files") or "[]"
        try:
            wanted = raw if isinstance(raw, list) else json.loads(raw)
        except (TypeError, ValueError):
            raise _Refusal("invalid_arguments") from None
        if not isinstance(wanted, list) or not wanted:
            raise _Refusal("invalid_arguments")
        pending = {u["id"]: (t, u) for t, u in self._uploads.items()}
        if any(not isinstance(f, dict) or f.get("id") not in pending for f in wanted):
            raise _Refusal("file_not_found")
        if any(pending[f["id"]][1]["data"] is None for f in wanted):
            raise _Refusal("file_upload_not_complete")  # not Slack's word: bytes never came
        channel = self._channel(args, "channel_id") if args.get("channel_id") else None
        done = []
        for f in wanted:
            token, upload = pending[f["id"]]
            del self._uploads[token]
            info = self._add_uploaded(upload, str(f.get("title") or upload["filename"]))
            done.append(info)
        if channel is not None:
            text = str(args.get("initial_comment") or "")
            message = self._store_message(channel, {"text": text}, args.get("thread_ts"))
            message["files"] = [_copy(i) for i in done]
        return {"files": [_copy(i) for i in done]}

    def _add_uploaded(self, upload: Args, title: str) -> Args:
        name = upload["filename"]
        kind = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        base = f"{self.root}files-pri/{self.team_id}-{upload['id']}"
        info = {"id": upload["id"], "name": name, "title": title, "mimetype": mimetype}
        info.update(filetype=kind, size=len(upload["data"]), user=self.bot_user_id)
        info.update(url_private=f"{base}/{name}", url_private_download=f"{base}/download/{name}")
        self._files[upload["id"]] = (info, upload["data"])
        return info

    def api_usergroups_users_list(self, args: Args) -> Args:
        """``usergroups.users.list``: the member ids of a user group."""
        if (users := self._groups.get(str(args.get("usergroup")))) is None:
            raise _Refusal("no_such_subteam")
        return {"users": list(users)}

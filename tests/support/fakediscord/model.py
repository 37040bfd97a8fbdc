"""What the fake's Discord contains: users, roles, channels, members and guilds.

The configuration a test passes to :class:`~fakediscord.FakeDiscord`, each object able to
write itself as Discord's JSON (``payload()``), and Discord's permission arithmetic (roles,
administrator, channel overwrites) that decides what the bot may do where.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Perm(enum.IntFlag):
    """Discord permission bits used by the fake (any other bit may be passed as a plain int)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38


class Intent(enum.IntFlag):
    """Gateway intent bits the fake pays attention to."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    MESSAGE_CONTENT = 1 << 15


ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS = int(
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)


@dataclass
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    name: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        """Return the user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the role's permission bit set."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> dict[str, Any]:
        """Return the role object as Discord sends it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(int(self.permissions)),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


# Channel types.
TEXT, VOICE, CATEGORY, ANNOUNCEMENT, STAGE, FORUM = 0, 2, 4, 5, 13, 15
ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD = 10, 11, 12
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})


@dataclass
class FakeChannel:
    """A guild channel (type 0 = text); overwrites are raw dicts: id, type, allow, deny.

    A thread (type 10, 11 or 12) has the channel it is in as ``parent_id`` and the user who
    started it as ``owner_id``; it takes its permissions from its parent, as on Discord.
    """

    id: int
    name: str = "general"
    type: int = TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    created: str = "2024-01-01T00:00:00+00:00"

    @property
    def is_thread(self) -> bool:
        """Whether the channel is a thread."""
        return self.type in THREAD_TYPES

    def payload(self, guild_id: int) -> dict[str, Any]:
        """Return the channel object as Discord sends it."""
        if self.is_thread:
            return self._thread_payload(guild_id)
        data = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {
                    "id": str(o["id"]),
                    "type": int(o.get("type", 0)),
                    "allow": str(int(o.get("allow", 0))),
                    "deny": str(int(o.get("deny", 0))),
                }
                for o in self.permission_overwrites
            ],
            "topic": self.topic,
            "nsfw": self.nsfw,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.type in (VOICE, STAGE):
            data.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1)
        return data

    def _thread_payload(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.created,
                "locked": False,
                "create_timestamp": self.created,
            },
        }


@dataclass
class FakeMember:
    """A guild member: a user plus the ids of its roles (the @everyone role is implicit)."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00+00:00"

    @property
    def id(self) -> int:
        """The member's user id."""
        return self.user.id

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """Return the guild member object as Discord sends it."""
        data: dict[str, Any] = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    """A guild; the @everyone role (id == guild id) is built from ``everyone_permissions``."""

    id: int
    name: str = "Test Guild"
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    owner_id: int | None = None
    everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS
    bot_roles: list[int] = field(default_factory=list)

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role."""
        return FakeRole(self.id, "@everyone", self.everyone_permissions, position=0)

    def all_roles(self) -> list[FakeRole]:
        """The @everyone role followed by the configured roles."""
        return [self.everyone, *self.roles]

    def channel(self, channel_id: int) -> FakeChannel | None:
        """Return the channel with this id, if any."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        """Return the member with this user id, if any."""
        return next((m for m in self.members if m.id == user_id), None)

    def role(self, role_id: int) -> FakeRole | None:
        """Return the role with this id, if any (including @everyone)."""
        return next((r for r in self.all_roles() if r.id == role_id), None)

    def base_permissions(self, user_id: int) -> int:
        """Guild-wide permissions of a member (owner and administrators get everything)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        perms = self.everyone_permissions
        for role_id in member.roles if member else []:
            role = self.role(role_id)
            if role is not None:
                perms |= int(role.permissions)
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel_id: int | None) -> int:
        """Permissions of a member in a channel, applying permission overwrites."""
        perms = self.base_permissions(user_id)
        channel = self.channel(channel_id) if channel_id is not None else None
        if channel is not None and channel.is_thread and channel.parent_id is not None:
            channel = self.channel(channel.parent_id)
        if perms & Perm.ADMINISTRATOR or channel is None:
            return perms
        member = self.member(user_id)
        role_ids = set(member.roles) if member else set()
        overwrites = channel.permission_overwrites
        for o in overwrites:
            if int(o["id"]) == self.id:
                perms = (perms & ~int(o.get("deny", 0))) | int(o.get("allow", 0))
        allow = deny = 0
        for o in overwrites:
            if int(o.get("type", 0)) == 0 and int(o["id"]) in role_ids:
                allow |= int(o.get("allow", 0))
                deny |= int(o.get("deny", 0))
        perms = (perms & ~deny) | allow
        for o in overwrites:
            if int(o.get("type", 0)) == 1 and int(o["id"]) == user_id:
                perms = (perms & ~int(o.get("deny", 0))) | int(o.get("allow", 0))
        return perms

"""The storage layer: the only package that knows SQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.storage.activity import ActivityRepository
from chatbot.storage.budgets import RateBudgetRepository
from chatbot.storage.claims import ClaimRepository
from chatbot.storage.database import Database
from chatbot.storage.followfriday_dms import FollowFridayDmRepository
from chatbot.storage.leases import LeaseRepository
from chatbot.storage.members import HandleRepository, MemberRepository
from chatbot.storage.notices import NoticeRepository
from chatbot.storage.privacy import PrivacyRepository
from chatbot.storage.schedule import ScheduleRepository
from chatbot.storage.scores import ScoreRepository
from chatbot.storage.social import EndorsementRepository, GoalRepository
from chatbot.storage.teams import TeamRepository
from chatbot.storage.web import WebRepository


@dataclass(frozen=True)
class Storage:
    db: Database
    teams: TeamRepository
    members: MemberRepository
    handles: HandleRepository
    claims: ClaimRepository
    notices: NoticeRepository
    activity: ActivityRepository
    scores: ScoreRepository
    endorsements: EndorsementRepository
    goals: GoalRepository
    schedule: ScheduleRepository
    privacy: PrivacyRepository
    leases: LeaseRepository
    budgets: RateBudgetRepository
    followfriday_dms: FollowFridayDmRepository
    web: WebRepository

    @classmethod
    def over(cls, db: Database) -> Storage:
        return cls(
            db=db,
            teams=TeamRepository(db),
            members=MemberRepository(db),
            handles=HandleRepository(db),
            claims=ClaimRepository(db),
            notices=NoticeRepository(db),
            activity=ActivityRepository(db),
            scores=ScoreRepository(db),
            endorsements=EndorsementRepository(db),
            goals=GoalRepository(db),
            schedule=ScheduleRepository(db),
            privacy=PrivacyRepository(db),
            leases=LeaseRepository(db),
            budgets=RateBudgetRepository(db),
            followfriday_dms=FollowFridayDmRepository(db),
            web=WebRepository(db),
        )

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        """A trivial query; raises when the database can't answer (for /readyz)."""
        await self.db.fetch_one("SELECT 1")


async def open_storage(url: str | Path) -> Storage:
    """`url` is a DATABASE_URL (sqlite:///file.db, postgresql://...) or a SQLite file path."""
    return Storage.over(await Database.open(url))


__all__ = ["Database", "Storage", "open_storage"]

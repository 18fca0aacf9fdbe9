"""Accounts: registration, one's own profile, and admin management of users."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import password_policy, verification
from app.accounts import repository as repo
from app.accounts.errors import EmailTaken, OwnAccountProtected, UserNotFound, WrongPassword
from app.accounts.schemas import MeUpdate, PasswordChange, RegistrationCreate, UserAdminUpdate
from app.concurrency import ensure_version
from app.languages import Lang
from app.models import IdentityLevel, Language, PartnerClient, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.passwords import password_hashing


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def register(session: AsyncSession, data: RegistrationCreate, *, language: Lang | None = None) -> None:
    """Register, answering the same whether or not the e-mail has an account (no enumeration).

    A new address gets an account and a verification link; an address with an account gets, in its
    mailbox, word that someone tried to register it. The password is hashed either way: a known
    address must not answer faster by skipping the work."""
    email = normalise_email(data.email)
    password_policy.require_strong(
        data.password,
        user_inputs=[email, data.full_name],
        language=language or data.preferred_language.value,
        pointer="/password",
    )
    password_hash = await password_hashing().hash(data.password)
    existing = await repo.get_by_email(session, email)
    if existing is not None:
        _tell_owner_someone_tried(session, existing)
        return
    user = User(
        email=email,
        password_hash=password_hash,
        full_name=data.full_name,
        phone=data.phone,
        role=Role(data.role),
        preferred_language=data.preferred_language,
        email_verified_at=None,
    )
    try:
        async with session.begin_nested():  # a concurrent registration may win the unique index
            session.add(user)
    except IntegrityError:
        if (winner := await repo.get_by_email(session, email)) is not None:
            _tell_owner_someone_tried(session, winner)
        return
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.registered",
        target_type="user",
        target_id=user.id,
        detail={"role": user.role.value},
    )
    await verification.send_link(session, user)


def _tell_owner_someone_tried(session: AsyncSession, owner: User) -> None:
    if owner.is_active:
        ledger.notify(
            session,
            [owner.id],
            kind="account.registration_attempted",
            subject_type="user",
            subject_id=owner.id,
            data={},
        )


async def find_by_verified_fiscal_code(session: AsyncSession, fiscal_code: str) -> User | None:
    """The account a provider verified this fiscal code for before (app/signin links by it, and only by it)."""
    return await repo.get_by_verified_fiscal_code(session, fiscal_code)


async def email_in_use(session: AsyncSession, email: str) -> bool:
    return await repo.get_by_email(session, normalise_email(email)) is not None


async def register_verified_citizen(
    session: AsyncSession, *, email: str, full_name: str, fiscal_code: str, provider: str, level: IdentityLevel
) -> User | None:
    """A citizen account made by a first sign-in with SPID/CIE: no password, the verified identity on it.

    None when a concurrent request took the fiscal code or the e-mail first (the unique indexes
    decide); the caller looks again."""
    user = User(
        email=normalise_email(email),
        password_hash=None,
        full_name=full_name,
        role=Role.citizen,
        preferred_language=Language.it,
        verified_fiscal_code=fiscal_code,
        identity_provider=provider,
        identity_level=level,
        identity_verified_at=datetime.now(UTC),
        email_verified_at=datetime.now(UTC),  # why: app/accounts/verification.py
    )
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError:
        return None
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.registered",
        target_type="user",
        target_id=user.id,
        detail={"role": user.role.value, "identity_provider": provider, "identity_level": level.value},
    )
    return user


def record_verified_identity(user: User, *, provider: str, level: IdentityLevel) -> None:
    """A later sign-in with SPID/CIE: the account shows the provider and level it was last verified with."""
    user.identity_provider = provider
    user.identity_level = level
    user.identity_verified_at = datetime.now(UTC)


async def create_user(session: AsyncSession, *, email: str, password: str, full_name: str, role: Role) -> User:
    """Create a user of any role (an admin at the CLI, and seeding); not exposed over HTTP."""
    email = normalise_email(email)
    password_policy.require_strong(password, user_inputs=[email, full_name], language="en", pointer="/password")
    if await repo.get_by_email(session, email) is not None:
        raise EmailTaken("An account with this e-mail already exists.")
    user = User(
        email=email,
        password_hash=await password_hashing().hash(password),
        full_name=full_name,
        role=role,
        email_verified_at=datetime.now(UTC),  # an admin vouches for it: app/accounts/verification.py
    )
    session.add(user)
    await session.flush()
    ledger.audit(
        session,
        actor_id=None,
        actor_kind="system",
        action="user.created",
        target_type="user",
        target_id=user.id,
        detail={"role": role.value},
    )
    return user


async def get_user_for_token(
    session: AsyncSession, user_id: uuid.UUID, epoch: int, session_id: uuid.UUID
) -> User | None:
    """The active user an access token names, unless its epoch ended (password change, deactivation)
    or its sign-in session was revoked (logout, refresh-token reuse). One statement per request."""
    user = await repo.get_user_in_live_session(session, user_id, session_id)
    if user is None or not user.is_active or user.token_epoch != epoch:
        return None
    return user


async def operated_nil_ids(session: AsyncSession, user: User) -> list[uuid.UUID]:
    """The NILs a hub operator acts in: those served by the hubs they work at. The reach of the role
    is identity's answer (like the role itself), so demand, hubs and pools all ask here."""
    return await repo.operated_nil_ids(session, user.id) if user.role == Role.hub_operator else []


async def get_partner_for_token(session: AsyncSession, partner_id: uuid.UUID) -> PartnerClient | None:
    """The partner client a client-credentials token names, unless it was revoked since."""
    client = await repo.get_partner_client(session, partner_id)
    return client if client is not None and client.is_active else None


async def update_me(session: AsyncSession, user: User, data: MeUpdate, *, if_match: list[int] | None) -> User:
    ensure_version(user, if_match)
    for field in data.model_fields_set - {"email"}:
        value = getattr(data, field)
        if field in ("full_name", "preferred_language") and value is None:
            continue  # required fields cannot be cleared
        setattr(user, field, value)
    if data.email is not None and (email := normalise_email(data.email)) != user.email:
        await _change_email(session, user, email)
    await session.flush()
    return user


async def _change_email(session: AsyncSession, user: User, email: str) -> None:
    """A new address is unverified until its owner follows the link mailed to it. Signed-in people
    only, and rate-limited like every change: the 409 tells them the address is in use, which a
    stranger cannot ask without an account."""
    if await repo.get_by_email(session, email) is not None:
        raise EmailTaken("An account with this e-mail already exists.")
    previous = user.email
    user.email = email
    user.email_verified_at = None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration took it meanwhile
        raise EmailTaken("An account with this e-mail already exists.") from exc
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.email_changed",
        target_type="user",
        target_id=user.id,
        detail={"from": previous, "to": email},
    )
    await verification.send_link(session, user)


async def change_password(
    session: AsyncSession, user: User, data: PasswordChange, *, language: Lang | None = None
) -> None:
    hashing = password_hashing()
    if not await hashing.verify(user.password_hash, data.current_password):
        raise WrongPassword("The current password is not correct.")
    password_policy.require_strong(
        data.new_password,
        user_inputs=[user.email, user.full_name],
        language=language or user.preferred_language.value,
        pointer="/new_password",
    )
    now = datetime.now(UTC)
    user.password_hash = await hashing.hash(data.new_password)
    user.token_epoch += 1
    await repo.revoke_all_for_user(session, user.id, now)
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.password_changed",
        target_type="user",
        target_id=user.id,
    )
    await session.flush()


async def list_users(
    session: AsyncSession, page: PageParams, *, role: Role | None, email_prefix: str | None
) -> Paginated[User]:
    stmt = repo.users_query(role=role, email_prefix=email_prefix)
    return await paginate(session, stmt, page, scope="users", order=[SortKey(User.email), SortKey(User.id)])


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repo.get_by_id(session, user_id)
    if user is None:
        raise UserNotFound("No user with this id.")
    return user


async def update_user(
    session: AsyncSession,
    admin: User,
    user_id: uuid.UUID,
    data: UserAdminUpdate,
    *,
    if_match: list[int] | None,
) -> User:
    user = await get_user(session, user_id)
    ensure_version(user, if_match)
    if user.id == admin.id and data.model_fields_set & {"role", "is_active"}:
        # An admin demoting or deactivating themselves could lock the city out of its own platform.
        raise OwnAccountProtected("Admins cannot change their own role or deactivate themselves.")
    changes: dict[str, list[str] | list[bool]] = {}
    if "role" in data.model_fields_set and data.role is not None and data.role != user.role:
        changes["role"] = [user.role.value, data.role.value]
        user.role = data.role
    if "is_active" in data.model_fields_set and data.is_active is not None and data.is_active != user.is_active:
        changes["is_active"] = [user.is_active, data.is_active]
        user.is_active = data.is_active
        if not data.is_active:  # deactivation ends every session at once
            now = datetime.now(UTC)
            user.token_epoch += 1
            await repo.revoke_all_for_user(session, user.id, now)
    if changes:
        ledger.audit(
            session,
            actor_id=admin.id,
            actor_kind="user",
            action="user.updated_by_admin",
            target_type="user",
            target_id=user.id,
            detail=changes,
        )
    await session.flush()
    return user


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    return await repo.get_by_email(session, normalise_email(email))


async def find_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await repo.get_by_id(session, user_id)

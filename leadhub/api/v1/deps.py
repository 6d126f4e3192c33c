"""What every v1 route needs: the caller behind the bearer key, and one transaction.

`api_caller` checks the key on every request (revoked keys stop at once), counts the request
against the key's rate limit (LEADHUB_API_RATE_LIMIT requests a minute, default 600; per
server process) and returns the TeamContext services act with. `unit_of_work` commits when the
route's block ends, rolls back on any error, and hands committed events to the worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from leadhub.api.v1.schemas import MAX_ID
from leadhub.services import api_keys, events
from leadhub.services.db import session_scope

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", bearerFormat="lh_…",
                    description="An API key from Settings → API access (admins create them): "
                                "`Authorization: Bearer lh_…`.")
limiter = api_keys.RateLimiter(int(os.environ.get("LEADHUB_API_RATE_LIMIT", "600") or 600))


def api_caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
               ) -> api_keys.ApiCaller:
    with session_scope() as session:
        caller = api_keys.authenticate(session=session,
                                       token=credentials.credentials if credentials else None)
    limiter.check(f"{caller.key_id}:{caller.prefix}")
    return caller


Caller = Annotated[api_keys.ApiCaller, Depends(api_caller)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    with session_scope() as session:
        events.after_commit(session)
        yield session

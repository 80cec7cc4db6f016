"""WeChat's error codes (code2session, wxacode) as the domain errors clients understand."""

from __future__ import annotations

from server.adapters.wechat import WeChatError
from server.domain.error_catalogue import CATALOGUE
from server.domain.errors import (
    DomainError,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

_WECHAT_ERRORS = {
    "WECHAT_CODE_INVALID": Unauthenticated,
    "WECHAT_CODE_USED": Unauthenticated,
    "WECHAT_RATE_LIMITED": RateLimited,
    "WECHAT_PAGE_INVALID": Unavailable,
}


def wechat_error(error: WeChatError) -> DomainError:
    """The domain error for a WeChat failure: bad codes are 401, limits 429, the rest 503."""
    code = error.code if error.code in CATALOGUE else "WECHAT_ERROR"
    return _WECHAT_ERRORS.get(code, Unavailable)(code, errcode=error.errcode)

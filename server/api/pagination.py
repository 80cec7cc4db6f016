"""flask-smorest pagination over a SQLAlchemy select."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from server.api.auth import db


def paginate(statement: Select, pagination_parameters) -> list:
    """One page of `statement`; the total goes into the X-Pagination header."""
    session = db()
    pagination_parameters.item_count = session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * size
    if offset >= pagination_parameters.item_count:
        return []  # past the end (also keeps a huge ?page= from overflowing OFFSET)
    return list(session.scalars(statement.limit(size).offset(offset)).unique())

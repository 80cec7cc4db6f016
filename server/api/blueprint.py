"""The API's Blueprint: who may call a view is declared once, on the blueprint, not per view.

    blp = Blueprint("attempts", __name__, description="考试作答", roles=(Role.CANDIDATE,))

    @blp.route("/attempts/<int:attempt_id>/result")            # the blueprint's roles
    @blp.route("/auth/login", methods=["POST"], public=True)    # no token needed
    @blp.route("/exams/<int:exam_id>/attempts", methods=["GET"], roles=STAFF_ROLES)

    @blp.route("/schools")
    class Schools(MethodView):
        @blp.roles(Role.ADMIN)                                 # one method of a MethodView
        def post(self, payload): ...

`roles` is a tuple of role names, or ANY_ROLE: any signed-in *account* (admin, teacher,
candidate). A phone session (the mini program's token from /auth/wechat, a kind of token of its
own) is admitted only where Role.PHONE is named, so forgetting a role never opens a view to it.
Every registered view is wrapped with the token and role check (outermost, so a caller without
a token gets 401 before the body is read), and every operation of the OpenAPI documents the
bearer requirement and its 401 and 403 answers, or `security: []` when public. Each
operation's operationId is the view function's name; for a MethodView, `<http method>_<class
name in snake_case>` (`get_batches`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Final

import flask_smorest
from flask.views import MethodView

from server.api.auth import BEARER_SECURITY, authenticate
from server.domain.actors import ACCOUNT_ROLES


class _AnyRole:
    def __repr__(self) -> str:
        return "ANY_ROLE"


ANY_ROLE: Final = _AnyRole()
"""Any signed-in account, whatever its role (ACCOUNT_ROLES); never a phone session."""

_PUBLIC: Final = None  # a view anyone may call, without a token

_ROLES_ATTRIBUTE = "_required_roles"
_CHECKED_ATTRIBUTE = "_access_checked"

# The error answers an authenticated operation documents (flask-smorest's response components,
# named after http.HTTPStatus, with the API's error schema).
_AUTH_RESPONSES: Final = {"401": "UNAUTHORIZED", "403": "FORBIDDEN"}


def _access(roles) -> _AnyRole | tuple[str, ...]:
    """`roles` checked: ANY_ROLE, or a non-empty collection of role names."""
    if roles is ANY_ROLE:
        return ANY_ROLE
    if isinstance(roles, str) or not isinstance(roles, Iterable):
        raise TypeError(f"roles must be ANY_ROLE or a collection of role names, not {roles!r}")
    roles = tuple(roles)
    if not roles or not all(isinstance(role, str) for role in roles):
        raise TypeError(f"roles must be ANY_ROLE or a non-empty list of role names: {roles!r}")
    return roles


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose views require a token and one of `roles` by default;
    `public=True` instead makes every view public (the server time, client versions, ...)."""

    def __init__(self, *args, roles=None, public: bool = False, **kwargs) -> None:
        if public == (roles is not None):
            raise TypeError("a Blueprint takes either roles=... or public=True")
        self.default_access = _PUBLIC if public else _access(roles)
        super().__init__(*args, **kwargs)

    def route(
        self, rule, *, roles=None, public: bool = False, parameters=None, tags=None, **options
    ):
        """Register a view (function or MethodView). `roles` overrides the blueprint's roles for
        it; `public=True` opts it out of authentication."""
        if public and roles is not None:
            raise TypeError("a route takes either roles=... or public=True")

        def decorator(view):
            access = _PUBLIC if public else self.default_access if roles is None else _access(roles)
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(
                rule, endpoint, view, parameters=parameters, tags=tags, access=access, **options
            )
            return view

        return decorator

    @staticmethod
    def roles(*roles) -> Callable:
        """The roles of one view or MethodView method, over the route's and the blueprint's:
        `@blp.roles(Role.ADMIN)`, or `@blp.roles(ANY_ROLE)`."""
        access = _access(roles[0] if roles == (ANY_ROLE,) else roles)

        def decorator(view):
            setattr(view, _ROLES_ATTRIBUTE, access)
            return view

        return decorator

    def add_url_rule(
        self,
        rule,
        endpoint=None,
        view_func=None,
        provide_automatic_options=None,
        *,
        access=...,
        parameters=None,
        tags=None,
        **options,
    ):
        if access is ...:
            access = self.default_access
        if view_func is None:
            raise TypeError("view_func must be provided")
        view: Any = view_func
        if isinstance(view_func, type) and issubclass(view_func, MethodView):
            operations = {}
            for method in view_func.methods or ():
                name = method.lower()
                function = getattr(view_func, name)
                method_access = getattr(function, _ROLES_ATTRIBUTE, access)
                if not getattr(function, _CHECKED_ATTRIBUTE, False):
                    setattr(view_func, name, _checked(function, method_access))
                operations[name] = (f"{name}_{_snake_case(view_func.__name__)}", method_access)
        else:
            function_access = getattr(view_func, _ROLES_ATTRIBUTE, access)
            if not getattr(view_func, _CHECKED_ATTRIBUTE, False):
                view = _checked(view_func, function_access)
            operations = {
                method.lower(): (view_func.__name__, function_access)
                for method in options.get("methods", ("GET",))
            }
        super().add_url_rule(
            rule,
            endpoint,
            view,
            provide_automatic_options,
            parameters=parameters,
            tags=tags,
            **options,
        )
        endpoint_docs = self._docs[self._endpoints[-1]]  # the endpoint flask-smorest just stored
        for method, doc in endpoint_docs.items():
            if method == "parameters" or method not in operations:
                continue
            operation_id, operation_access = operations[method]
            manual_doc = doc.setdefault("manual_doc", {})
            manual_doc["operationId"] = operation_id
            if operation_access is _PUBLIC:
                manual_doc["security"] = []
            else:
                manual_doc["security"] = BEARER_SECURITY
                manual_doc.setdefault("responses", {}).update(_AUTH_RESPONSES)


def _checked(view: Callable, access) -> Callable:
    """`view`, preceded by the token and role check (none for a public view)."""
    if access is _PUBLIC:
        return view
    roles = ACCOUNT_ROLES if access is ANY_ROLE else access

    @wraps(view)
    def wrapper(*args, **kwargs):
        authenticate(roles)
        return view(*args, **kwargs)

    setattr(wrapper, _CHECKED_ATTRIBUTE, True)
    return wrapper

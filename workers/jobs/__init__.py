"""RQ job functions: importable, taking ids only, idempotent.

Each is bound to the JobSpec (server.domain.jobs) the server enqueues it by, with @job(spec):
the spec names the function by its dotted path (the server never imports workers), and @job
checks at import that the path is this function's, so renaming or moving a job without its
spec fails at worker start instead of leaving RQ a name it cannot import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from server.domain.jobs import JobSpec

Function = TypeVar("Function", bound=Callable)


class JobSpecMismatch(RuntimeError):
    """A job function and its JobSpec name different dotted paths."""


def job(spec: JobSpec) -> Callable[[Function], Function]:
    """Bind the decorated function to `spec` (as `function.job_spec`); raises JobSpecMismatch
    unless `spec.function` is the function's own dotted path."""

    def bind(function: Function) -> Function:
        path = f"{function.__module__}.{function.__qualname__}"
        if path != spec.function:
            raise JobSpecMismatch(f"{path} is bound to a JobSpec for {spec.function}")
        function.job_spec = spec  # type: ignore[attr-defined]
        return function

    return bind

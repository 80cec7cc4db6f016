"""The web clients served by this server: the desktop exam page and the teacher console.

Server-rendered shells with plain JavaScript that talks to the public API (/api/v1) like the
native desktop client does; no build step. The pages hold no secrets: the bearer token lives
in the tab's sessionStorage.
"""

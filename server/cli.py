"""Flask CLI commands: `flask --app server.app exam-cloud ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from tqdm import tqdm

from server.app_services import services
from server.bootstrap import ensure_admin, load_demo_data
from server.domain import identity
from server.domain.actors import Actor, Role
from server.domain.errors import DomainError

exam_cloud = AppGroup("exam-cloud", help="Exam Cloud administration.")


@exam_cloud.command("migrate")
def migrate_command():
    """Apply the database migrations."""
    from server.database_setup import upgrade

    upgrade(services().settings.DATABASE_URL)
    click.echo("database is up to date")


@exam_cloud.command("bootstrap")
@click.option("--demo/--no-demo", default=False, help="Load demo data into an empty database.")
@click.option("--demo-teacher-password", envvar="EXAM_DEMO_TEACHER_PASSWORD", default="")
def bootstrap_command(demo: bool, demo_teacher_password: str):
    """Migrate, create the first admin, and optionally load demo data."""
    from server.database_setup import upgrade

    app_services = services()
    settings = app_services.settings
    upgrade(settings.DATABASE_URL)
    session = app_services.sessions()
    generated = ensure_admin(
        session, app_services.passwords, settings.EXAM_ADMIN_USERNAME, settings.EXAM_ADMIN_PASSWORD
    )
    if generated:
        click.echo(
            f"管理员账号 admin account: {settings.EXAM_ADMIN_USERNAME} / {generated}  (shown once)"
        )
    if demo:
        import secrets

        logins = load_demo_data(
            session, app_services.passwords, demo_teacher_password or secrets.token_urlsafe(9)
        )
        if logins:
            click.echo(f"演示教师 demo teacher: {logins.teacher[0]} / {logins.teacher[1]}")
            for student_no, id_number, password in logins.students:
                click.echo(
                    f"演示考生 demo candidate: {student_no} (证件号 {id_number}) / {password}"
                )


@exam_cloud.command("import-students")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school-id", type=int, required=True)
def import_students_command(path: Path, school_id: int):
    """Import students from a CSV or XLSX file, with a progress bar and a per-row report."""
    session = services().sessions()
    admin = Actor(user_id=0, role=Role.ADMIN, school_id=None)
    try:
        rows = identity.read_rows(path.read_bytes(), path.name, services().settings.IMPORT_MAX_ROWS)
        with tqdm(total=len(rows), unit="行", desc="导入学生") as bar:
            report = identity.import_students(
                session, admin, rows, school_id=school_id, progress=bar.update
            )
    except DomainError as exc:  # unreadable file, unknown school: a message, not a traceback
        raise click.ClickException(f"{exc.message} ({exc.code})") from exc
    click.echo(f"新增 {report.created}，未变化 {report.unchanged}，错误 {len(report.errors)}")
    for error in report.errors:
        click.echo(f"  第{error.line}行: {error.reason}")
    if report.errors:
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(exam_cloud)

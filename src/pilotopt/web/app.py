"""The web workspace of ``pilotopt serve``: a FastAPI app rendering server-side HTML.

:func:`create_app` makes the app for one workspace folder. Pages: ``/`` (inputs, roster
profile, the scenario's settings, solve, the groups as columns of cards, downloads, runs) and
``/compare`` (two runs side by side). Forms post to ``/upload``, ``/demo``, ``/settings`` (the
settings form), ``/scenario`` (the scenario's TOML text) and ``/runs``; the page's script calls
the JSON endpoints under ``/api/`` (solve or re-solve from the current groups, progress, stop,
move, lock, undo, redo, score). Everything is served from this machine: the script and style
sheet are shipped in the package.

Access: with a ``token``, every request needs it, as ``?token=`` once (it is then kept in a
cookie) or as that cookie; without one (on loopback) none is asked. A request that changes
anything must come from the workspace's own pages (its ``Origin``, when sent, names this host).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from pydantic import BaseModel, Field

from pilotopt.errors import InputProblem
from pilotopt.io.outputs import assignment_csv
from pilotopt.report.i18n import LANGS, Lang, choose, text, unfilled
from pilotopt.report.pdf import PdfError, find_chromium
from pilotopt.web import views
from pilotopt.web.workspace import Loaded, Refused, Step, Workspace, presets

__all__ = ["create_app"]

_HERE = Path(__file__).parent
COOKIE_TOKEN, COOKIE_LANG = "pilotopt_token", "pilotopt_lang"
#: Words the page's script shows (progress line, notices, lock buttons).
SCRIPT_WORDS = ("web.progress", "web.best", "web.not_feasible_yet", "web.stopping",
                "web.refused", "web.none_chosen")


class SolveRequest(BaseModel):
    """Start a solve: seconds and seed; ``from_current``: re-solve from the current groups,
    each organisation moved costing ``stay`` (unless the scenario has a stability rule)."""

    time_limit: float = Field(gt=0, le=24 * 3600)
    seed: int = Field(default=0, ge=0)
    from_current: bool = False
    stay: float = Field(default=10.0, gt=0, le=1e6)


class MoveRequest(BaseModel):
    """Move organisation ``id`` to group ``group`` (a number from 0; -1: left out)."""

    id: str
    group: int


class LockRequest(BaseModel):
    """Lock (or unlock) organisation ``id`` in its group."""

    id: str
    locked: bool


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("pilotopt.web", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def create_app(folder: str | Path, token: str | None = None,
               workers: int | None = None) -> FastAPI:
    """The workspace app on ``folder`` (created if missing); ``token``: required on every
    request when given; ``workers``: solver threads (default: every core)."""
    ws = Workspace(folder, workers=workers)
    env = _environment()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()  # a running solve stops and keeps its best

    app = FastAPI(title="pilotopt", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.workspace = ws
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is not None:
            given = request.query_params.get("token") or request.cookies.get(COOKIE_TOKEN, "")
            if not secrets.compare_digest(given.encode(), token.encode()):
                return Response("This workspace needs its token: open the address that "
                                "pilotopt serve printed.", status_code=401,
                                media_type="text/plain")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host"):
                return Response("Refused: the request came from another site.",
                                status_code=403, media_type="text/plain")
        response = await call_next(request)
        if token is not None and request.query_params.get("token"):
            response.set_cookie(COOKIE_TOKEN, token, httponly=True, samesite="strict")
        return response

    def lang_of(request: Request) -> Lang:
        chosen = request.cookies.get(COOKIE_LANG)
        loaded = ws.loaded
        scenario = loaded.instance.scenario if loaded else None
        return choose(chosen if chosen in LANGS else None,
                      scenario.lang if scenario else None)

    def render(name: str, request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        words = {k: unfilled(k, lang) for k in SCRIPT_WORDS}
        page = env.get_template(name).render(
            lang=lang, t=lambda key, **v: text(key, lang, **v), words=words,
            job=ws.job.to_dict() if ws.job else None, notice=ctx.pop("notice", None), **ctx)
        return HTMLResponse(page, status_code=status)

    def fragment(name: str, lang: Lang, **ctx: Any) -> str:
        return env.get_template(name).render(t=lambda key, **v: text(key, lang, **v), **ctx)

    def index(request: Request, status: int = 200, notice: str | None = None,
              assignment_problems: list[str] | None = None,
              scenario_problems: list[InputProblem] | None = None,
              sent: dict[str, str] | None = None, text_sent: str | None = None
              ) -> HTMLResponse:
        lang = lang_of(request)
        loaded = ws.loaded
        job = ws.job
        return render("index.html", request, status, notice=notice, presets=presets(),
                      assignment_problems=assignment_problems or [],
                      problems=[str(p) for p in ws.problems],
                      loaded=loaded, profile=views.profile(loaded.instance, lang) if loaded
                      else None, board=board(lang), runs=runs(),
                      settings=views.settings(ws.settings(), sent or {}, scenario_problems or [],
                                              lang) if loaded else None,
                      scenario_text=text_sent if text_sent is not None
                      else ws.scenario_text() if loaded else "",
                      stability=loaded is not None and any(
                          r.kind == "stability" for r in loaded.scenario_model.rules),
                      moved=job.continuity.lines(lang, shown=10)
                      if job is not None and job.continuity is not None else [],
                      pdf=find_chromium() is not None)

    def board(lang: Lang) -> dict[str, Any] | None:
        snap = ws.snapshot()
        if snap is None:
            return None
        loaded, a, ev = snap
        p = loaded.problem
        heads = views.group_heads(p, a, ev, loaded.instance.orgs, lang)
        cards = views.cards(p, loaded.instance.orgs, a, loaded.locked, lang)
        columns = [{"group": g, "name": p.group_names[g], "head": heads[g],
                    "cards": [c for c in cards if c["group"] == g]} for g in range(p.m)]
        groups = list(enumerate(p.group_names))
        if p.optional.any():
            left = text("report.left_out", lang, count=int((a < 0).sum()))
            columns.append({"group": -1, "name": left, "head": None,
                            "cards": [c for c in cards if c["group"] < 0]})
            groups.append((-1, left))
        return {"summary": views.summary(p, ev, lang), "columns": columns, "groups": groups,
                "can_undo": bool(loaded.undo), "can_redo": bool(loaded.redo),
                "run_id": loaded.run_id}

    def runs() -> list[dict[str, Any]]:
        try:
            return ws.runs()
        except Exception:  # a store another program holds open: the page still shows
            return []

    def update(request: Request, step: Step) -> dict[str, Any]:
        """What the page needs after a move: where cards went, the summary, every group's
        head and what changed."""
        lang = lang_of(request)
        snap = ws.snapshot()
        assert snap is not None
        loaded, a, ev = snap
        p = loaded.problem
        moves = step.change.moves
        # Only the groups whose figures change: those left and joined, those where a rule's
        # part changes; all when the placed organisations change (the means move).
        affected = None if any((mv.source < 0) != (mv.target < 0) for mv in moves) else {
            g for mv in moves for g in (mv.source, mv.target) if g >= 0} | {
            g for r in step.change.rules for g, _ in r.per_group}
        heads = views.group_heads(p, a, ev, loaded.instance.orgs, lang, only=affected)
        shown = {str(h["index"]): fragment("_head.html", lang, head=h) for h in heads}
        if p.optional.any():
            left = text("report.left_out", lang, count=int((a < 0).sum()))
            shown["-1"] = str(Markup("<h3>{}</h3>").format(left))
        return {
            "moves": [{"index": mv.organisation, "id": p.ids[mv.organisation],
                       "group": mv.target} for mv in step.moves],
            "objective": views.number(ev.objective),
            "feasible": ev.feasible,
            "summary": fragment("_summary.html", lang, summary=views.summary(p, ev, lang)),
            "heads": shown,
            "change": fragment("_change.html", lang,
                               step=views.step(p, step.change,
                                               [why.words(lang) for why in step.reasons], lang)),
            "can_undo": bool(loaded.undo), "can_redo": bool(loaded.redo),
        }

    def refused(exc: Refused) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=409)

    # --- pages and forms ----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return index(request)

    @app.get("/lang/{lang}")
    def set_lang(lang: str) -> Response:
        response = RedirectResponse("/", status_code=303)
        if lang in LANGS:
            response.set_cookie(COOKIE_LANG, lang, samesite="strict")
        return response

    @app.post("/upload")
    async def upload(request: Request, roster: Annotated[UploadFile, File()],
                     scenario: Annotated[UploadFile, File()]) -> Response:
        files = [(f.filename or "", await f.read()) for f in (roster, scenario)]
        try:
            problems = ws.upload(files[0], files[1])
        except Refused as exc:
            return index(request, 409, str(exc))
        if problems:
            return index(request, 422)
        return RedirectResponse("/", status_code=303)

    @app.post("/assignment")
    async def open_assignment(request: Request,
                              assignment: Annotated[UploadFile, File()]) -> Response:
        try:
            found = ws.upload_assignment(assignment.filename or "", await assignment.read())
        except Refused as exc:
            return index(request, 409, str(exc))
        if found:
            return index(request, 422, assignment_problems=[str(p) for p in found])
        return RedirectResponse("/", status_code=303)

    @app.post("/demo")
    def demo(request: Request, preset: Annotated[str, Form()]) -> Response:
        try:
            ws.demo(preset)
        except Refused as exc:
            return index(request, 409, str(exc))
        return RedirectResponse("/", status_code=303)

    @app.post("/settings")
    async def edit_settings(request: Request) -> Response:
        sent = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return edited(request, lambda: ws.edit_settings(sent), sent=sent)

    @app.post("/scenario")
    def edit_scenario(request: Request, text: Annotated[str, Form()]) -> Response:
        return edited(request, lambda: ws.edit_scenario(text), text_sent=text)

    def edited(request: Request, edit: Callable[[], list[InputProblem]],
               **sent: Any) -> Response:
        """After an edit of the scenario: its problems in the page, or the page re-scored."""
        had = ws.snapshot() is not None
        try:
            found = edit()
        except Refused as exc:
            return index(request, 409, str(exc))
        if found:
            return index(request, 422, scenario_problems=found, **sent)
        if had and ws.snapshot() is None:
            return index(request, notice=text("web.groups_dropped", lang_of(request)))
        return RedirectResponse("/#settings", status_code=303)

    @app.post("/runs")
    def keep(request: Request) -> Response:
        try:
            ws.keep_current()
        except Refused as exc:
            return index(request, 409, str(exc))
        return RedirectResponse("/", status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    def compare(request: Request, run: Annotated[list[str], Query()]) -> HTMLResponse:
        if len(run) != 2:
            return index(request, 422, "choose two runs to compare")
        try:
            found = ws.compare(run[0], run[1])
        except Refused as exc:
            return index(request, 409, str(exc))
        cmp = views.comparison(found, (run[0], run[1]), lang_of(request))
        return render("compare.html", request, cmp=cmp)

    @app.get("/download/{name}")
    def download(request: Request, name: str) -> Response:
        snap = ws.snapshot()
        if snap is None:
            return JSONResponse({"error": "solve first: there is no assignment yet"}, 409)
        loaded, a, ev = snap
        lang = lang_of(request)
        match name:
            case "assignment.csv":
                body: bytes = assignment_csv(loaded.problem, a).encode()
                kind = "text/csv; charset=utf-8"
            case "report.html":
                body = _report(loaded, a, ev, lang, html=True)
                kind = "text/html; charset=utf-8"
            case "groups.xlsx":
                body = _report(loaded, a, ev, lang, html=False)
                kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "report.pdf":
                try:
                    body = _pdf(_report(loaded, a, ev, lang, html=True))
                except PdfError as exc:
                    return JSONResponse({"error": str(exc)}, 503)
                kind = "application/pdf"
            case "scenario.toml":
                body = loaded.scenario.path.read_bytes()
                kind = "application/toml"
            case _:
                return JSONResponse({"error": f"no download {name!r}"}, 404)
        return Response(body, media_type=kind,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # --- the page's script --------------------------------------------------------------------

    @app.post("/api/solve", status_code=202)
    def start(body: SolveRequest) -> Response:
        try:
            job = ws.start_solve(body.time_limit, body.seed,
                                 body.stay if body.from_current else None)
        except Refused as exc:
            return refused(exc)
        return JSONResponse(job.to_dict(), status_code=202)

    @app.get("/api/progress")
    def progress() -> dict[str, Any]:
        return ws.job.to_dict() if ws.job else {"state": "idle"}

    @app.post("/api/stop")
    def stop() -> dict[str, Any]:
        ws.stop()
        return ws.job.to_dict() if ws.job else {"state": "idle"}

    @app.post("/api/move")
    def move(request: Request, body: MoveRequest) -> Response:
        try:
            step = ws.move(ws.index(body.id), body.group)
        except Refused as exc:
            return refused(exc)
        return JSONResponse(update(request, step))

    @app.post("/api/undo")
    def undo(request: Request) -> Response:
        try:
            return JSONResponse(update(request, ws.undo()))
        except Refused as exc:
            return refused(exc)

    @app.post("/api/redo")
    def redo(request: Request) -> Response:
        try:
            return JSONResponse(update(request, ws.redo()))
        except Refused as exc:
            return refused(exc)

    @app.post("/api/lock")
    def lock(body: LockRequest) -> Response:
        try:
            ws.lock(ws.index(body.id), body.locked)
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"id": body.id, "locked": body.locked})

    @app.get("/api/score")
    def score() -> Response:
        snap = ws.snapshot()
        if snap is None:
            return JSONResponse({"error": "solve first: there is no assignment yet"}, 409)
        loaded, a, ev = snap
        p = loaded.problem
        return JSONResponse({**ev.to_dict(), "feasible": ev.feasible,
                             "assignment": {p.ids[i]: p.group_names[g] if g >= 0 else None
                                            for i, g in enumerate(a.tolist())},
                             "locked": sorted(p.ids[i] for i in loaded.locked)})

    return app


def _pdf(html: bytes) -> bytes:
    """The report printed to PDF by Chromium (:mod:`pilotopt.report.pdf`)."""
    from pilotopt.report.pdf import write_pdf

    with tempfile.TemporaryDirectory(prefix="pilotopt-web-") as tmp:
        return write_pdf(Path(tmp) / "report.pdf", html.decode()).read_bytes()


def _report(loaded: Loaded, a: Any, ev: Any, lang: Lang, html: bool) -> bytes:
    """The HTML report or the workbook of the current assignment, as bytes."""
    from pilotopt.analysis import analyze
    from pilotopt.report.html import render_html
    from pilotopt.report.xlsx import write_xlsx

    inst = loaded.instance
    analysis = analyze(inst.problem, a, inst.orgs, inst.weights)
    meta: dict[str, Any] = {"sources": {"roster": loaded.roster.name,
                                        "scenario": loaded.scenario.name}}
    if inst.scenario is not None and inst.scenario.description:
        meta["description"] = inst.scenario.description
    if html:
        return render_html(inst.problem, a, ev, inst.orgs, analysis, meta, lang=lang).encode()
    with tempfile.TemporaryDirectory(prefix="pilotopt-web-") as tmp:
        path = write_xlsx(Path(tmp) / "groups.xlsx", inst.problem, a, ev, inst.orgs, analysis,
                          meta, lang=lang)
        return path.read_bytes()

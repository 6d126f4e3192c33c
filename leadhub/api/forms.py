"""Public web forms over HTTP: the hosted page, the embed script and the submission endpoint.

    GET     /api/forms/{key}            plain HTML page (no JavaScript; works in an iframe)
    GET     /api/forms/{key}/embed.js   renders the form into the host page, submits with fetch
    POST    /api/forms/{key}/submit     HTML form post (303 / page with errors) or JSON (200 / 422)
    OPTIONS /api/forms/{key}/submit     CORS preflight for the form's allowed origins

Abuse: bodies over MAX_BODY_BYTES get 413 (limits.read_body: by Content-Length, or by the
bytes that came for a chunked body); each client address may submit RATE_LIMIT
times per RATE_WINDOW seconds (LEADHUB_FORM_RATE_LIMIT="10/60"), counted in this process,
or in Redis when LEADHUB_REDIS_URL is set (all workers share it); honeypot and too-fast
submissions are answered like a success and stored nowhere. A browser Origin that is
neither the app nor one of the form's web sites is refused (403); allowed ones get CORS
headers without credentials. Behind a reverse proxy set LEADHUB_TRUST_PROXY=1 so the
client address comes from X-Forwarded-For.

On SQLite, submissions are checked on the event loop and written by one writer thread per
process, those that wait together in one transaction (IntakeWriter); on PostgreSQL each is one
transaction in a worker thread. A database that cannot be reached gets 503 with Retry-After,
and nothing of the submission is stored.

Everything a visitor sent is escaped in the page (html.escape) and set as text in the
embed (textContent): nothing is ever parsed as HTML.
"""

from __future__ import annotations

import asyncio
import contextvars
import html
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from leadhub.api import limits
from leadhub.api.errors import error_response
from leadhub.api.public_cors import origin_of
from leadhub.config import get_settings
from leadhub.services import events, forms
from leadhub.services.db import get_engine, session_scope
from leadhub.services.errors import LeadHubError, NotFound, PermissionDenied, RateLimited, ValidationFailed

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/forms")
MAX_BODY_BYTES = 32 * 1024
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin"}
THANKS = {"en": "Thank you! We will be in touch soon.", "es": "¡Gracias! Nos pondremos en contacto pronto."}
TEXTS = {
    "en": {"send": "Send", "required": "required", "fix": "Please correct the highlighted fields.",
           "busy": "Too many submissions from your address; please try again in a minute.",
           "error": "Sorry, the form could not be sent. Please try again.",
           "down": "The form cannot be sent right now. Please try again in a minute."},
    "es": {"send": "Enviar", "required": "obligatorio", "fix": "Revisa los campos marcados.",
           "busy": "Demasiados envíos desde tu dirección; inténtalo de nuevo en un minuto.",
           "error": "No se pudo enviar el formulario. Inténtalo de nuevo.",
           "down": "Ahora mismo no se puede enviar el formulario. Inténtalo de nuevo en un minuto."},
}
MESSAGES_ES = {
    "This field is required.": "Este campo es obligatorio.",
    "Last name is required.": "Los apellidos son obligatorios.",
    "Enter a valid e-mail address, e.g. ana@example.com.":
        "Introduce un correo válido, p. ej. ana@ejemplo.com.",
    "This does not look like a phone number.": "Esto no parece un número de teléfono.",
    "This phone number is not valid (add the country code, e.g. +34).":
        "Este número no es válido (añade el prefijo del país, p. ej. +34).",
}


# --- Rate limiting --------------------------------------------------------------------------

def _limit_setting() -> tuple[int, int]:
    raw = os.environ.get("LEADHUB_FORM_RATE_LIMIT", "10/60")
    count, _, window = raw.partition("/")
    return max(1, int(count)), max(1, int(window or 60))


class MemoryLimiter:
    """Sliding window per key, in this process (enough for one SQLite server process)."""

    def __init__(self):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int, now: float | None = None) -> int:
        """0 when allowed, else seconds until the next try."""
        now = now if now is not None else time.monotonic()
        with self._lock:
            if len(self._hits) > 100_000:
                self._hits.clear()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, int(hits[0] + window - now) + 1)
            hits.append(now)
            return 0


class RedisLimiter:
    """Fixed window per key in Redis, shared by every worker. While Redis cannot be reached,
    each process counts on its own (MemoryLimiter): visitors are still limited, and their
    submissions are not lost to an outage of the counter."""

    def __init__(self, url: str):
        import redis
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._errors = (redis.RedisError, OSError)
        self._fallback = MemoryLimiter()
        self._warned_at = 0.0

    def hit(self, key: str, limit: int, window: int, now: float | None = None) -> int:
        now = now if now is not None else time.time()
        bucket = f"leadhub:form-rate:{key}:{int(now // window)}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(bucket)
            pipe.expire(bucket, window + 1)
            count = pipe.execute()[0]
        except self._errors as exc:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("form rate limit counted in this process: Redis is unavailable (%s)", exc)
            return self._fallback.hit(key, limit, window)
        return 0 if count <= limit else max(1, int(window - now % window) + 1)


_limiter: MemoryLimiter | RedisLimiter | None = None


def limiter() -> MemoryLimiter | RedisLimiter:
    global _limiter
    if _limiter is None:
        url = get_settings().redis_url
        _limiter = RedisLimiter(url) if url else MemoryLimiter()
    return _limiter


def client_address(request: Request) -> str:
    if os.environ.get("LEADHUB_TRUST_PROXY") == "1":
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def check_rate(request: Request) -> None:
    limit, window = _limit_setting()
    wait = limiter().hit(client_address(request), limit, window)
    if wait:
        raise RateLimited("Too many submissions; please try again in a minute.", retry_after=wait)


# --- CORS -----------------------------------------------------------------------------------

def _own_origins() -> set[str]:
    url = get_settings().app_url.rstrip("/")
    own = {url}
    for a, b in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
        if a in url:
            own.add(url.replace(a, b))
    return own


def _cors(form: forms.PublishedForm, request: Request) -> dict[str, str]:
    """CORS headers for an allowed cross-site origin; PermissionDenied for another site."""
    origin = origin_of(request)
    if not origin or origin == "null" or origin in _own_origins() or _same_host(request, origin):
        return {"Vary": "Origin"}
    if origin.lower() in form.allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    raise PermissionDenied("This web site may not use this form.")


def _same_host(request: Request, origin: str) -> bool:
    host = request.headers.get("host", "")
    return bool(host) and urlparse(origin).netloc == host


def _form(key: str) -> forms.PublishedForm:
    cached = forms.cached_form(key)
    if cached is not None:
        return cached
    with session_scope() as session:
        return forms.published_form(session=session, key=key)


def _lang_of_request(request: Request) -> str:
    lang = request.query_params.get("lang", "") or request.headers.get("accept-language", "")[:2].lower()
    return lang if lang in ("en", "es") else "en"


def _lang(request: Request, form: forms.PublishedForm) -> str:
    lang = request.query_params.get("lang", "")
    if lang in ("en", "es"):
        return lang
    accept = request.headers.get("accept-language", "")[:2].lower()
    return accept if accept in ("en", "es") and not form.language else form.language or "en"


# --- The hosted page ------------------------------------------------------------------------

PAGE_CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1c2024;background:#fff}main{max-width:34em;margin:0 auto;padding:1.5em}
h1{font-size:1.4em;margin:0 0 1em}label{display:block;font-weight:600;margin:.9em 0 .25em}
input,textarea,select{width:100%;padding:.55em .6em;border:1px solid #cdced6;border-radius:6px;font:inherit}
input[type=checkbox]{width:auto}textarea{min-height:6em}.err{color:#ce2c31;font-size:.9em;margin:.2em 0 0}
.bad{border-color:#ce2c31}button{margin-top:1.25em;padding:.65em 1.4em;border:0;border-radius:6px;
background:#3e63dd;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.note{padding:.75em 1em;border-radius:6px;background:#fff5f5;color:#ce2c31}
.thanks{padding:1em;border-radius:6px;background:#e9f9ee;color:#18794e}
.hp{position:absolute;left:-5000px;width:1px;height:1px;overflow:hidden}.req{color:#ce2c31}
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _input(field: forms.FormField, value: str, error: str, lang: str) -> str:
    name, label = _e(field.name), _e(field.label(lang))
    star = f' <span class="req" title="{_e(TEXTS[lang]["required"])}">*</span>' if field.required else ""
    cls = ' class="bad"' if error else ""
    required = " required" if field.required else ""
    ident = f"f-{name}"
    if field.type == "textarea":
        control = f'<textarea id="{ident}" name="{name}"{cls}{required}>{_e(value)}</textarea>'
    elif field.type == "select":
        options = "".join(f'<option value="{_e(o)}"{" selected" if o == value else ""}>{_e(o)}</option>'
                          for o in field.options)
        control = f'<select id="{ident}" name="{name}"{cls}{required}><option value=""></option>{options}</select>'
    elif field.type == "checkbox":
        checked = " checked" if value else ""
        control = f'<input id="{ident}" type="checkbox" name="{name}" value="yes"{checked}{required}>'
    else:
        kind = {"email": "email", "tel": "tel", "url": "url", "date": "date"}.get(field.type, "text")
        control = f'<input id="{ident}" type="{kind}" name="{name}" value="{_e(value)}"{cls}{required}>'
    message = f'<p class="err" id="{ident}-error">{_e(error)}</p>' if error else ""
    return f'<label for="{ident}">{label}{star}</label>{control}{message}'


def render_page(form: forms.PublishedForm, *, lang: str, action: str, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, visit: dict[str, str] | None = None,
                thanks: bool = False) -> str:
    """The hosted form: every value escaped; errors under their inputs."""
    values, errors = values or {}, errors or {}
    body: list[str] = [f"<h1>{_e(form.name)}</h1>"]
    if thanks:
        body.append(f'<p class="thanks" role="status">{_e(form.thank_you(lang) or THANKS[lang])}</p>')
    else:
        if errors:
            body.append(f'<p class="note" role="alert">{_e(TEXTS[lang]["fix"])}</p>')
        hidden = {forms.TOKEN_FIELD: forms.fill_token(form.key), "_lang": lang, **(visit or {})}
        fields = "".join(_input(f, values.get(f.name, ""), errors.get(f.name, ""), lang) for f in form.fields)
        hidden_inputs = "".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">'
                                for k, v in hidden.items() if v)
        honeypot = (f'<div class="hp" aria-hidden="true"><label for="hp">Homepage</label>'
                    f'<input id="hp" name="{forms.HONEYPOT}" tabindex="-1" autocomplete="off"></div>')
        body.append(f'<form method="post" action="{_e(action)}" accept-charset="utf-8" novalidate>'
                    f'{hidden_inputs}{fields}{honeypot}<button type="submit">{_e(TEXTS[lang]["send"])}</button></form>')
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{_e(form.name)}</title>'
            f'<style>{PAGE_CSS}</style></head><body><main>{"".join(body)}</main></body></html>')


def _page_headers(form: forms.PublishedForm) -> dict[str, str]:
    ancestors = " ".join(["'self'", *sorted(form.allowed_origins)]) if form.allowed_origins else "*"
    redirect = urlparse(form.redirect_url)
    targets = " ".join(["'self'"] + ([f"{redirect.scheme}://{redirect.netloc}"] if form.redirect_url else []))
    return {**NO_STORE, "Content-Security-Policy":
            f"default-src 'none'; style-src 'unsafe-inline'; form-action {targets}; "
            f"frame-ancestors {ancestors}; base-uri 'none'"}


def _visit_fields(request: Request) -> dict[str, str]:
    """UTM parameters of the page's own URL, and the page that linked or framed it."""
    params = request.query_params
    visit = {k: params.get(k, "")[:200] for k in forms.UTM_KEYS if params.get(k)}
    visit["_referrer"] = (params.get("referrer") or request.headers.get("referer", ""))[:500]
    visit["_page"] = (params.get("page") or str(request.url))[:500]
    return visit


@router.get("/{key}", response_class=HTMLResponse)
def hosted_page(key: str, request: Request) -> HTMLResponse:
    """The form's own page: plain HTML, fast, no JavaScript, embeddable in an iframe."""
    try:
        form = _form(key)
        with session_scope() as session:
            forms.record_view(session=session, form=form)
    except DB_UNAVAILABLE as exc:
        return _unavailable(exc, wants_json=False, cors={}, lang=_lang_of_request(request))
    lang = _lang(request, form)
    page = render_page(form, lang=lang, action=f"/api/forms/{form.key}/submit", visit=_visit_fields(request))
    return HTMLResponse(page, headers=_page_headers(form))


# --- The embed script -----------------------------------------------------------------------

EMBED_JS = r"""(function () {
  var cfg = __CONFIG__;
  var script = document.currentScript ||
    document.querySelector('script[src*="/api/forms/' + cfg.key + '/embed.js"]');
  var host = document.querySelector('[data-leadhub-form="' + cfg.key + '"]');
  if (!host) { host = document.createElement("div"); script.parentNode.insertBefore(host, script.nextSibling); }
  var t = cfg.texts;
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); }
    if (text) node.textContent = text;
    return node;
  }
  var form = el("form", {"class": "leadhub-form", novalidate: "novalidate"});
  form.style.cssText = "max-width:34em;font:inherit";
  form.appendChild(el("input", {type: "hidden", name: "_t", value: cfg.token}));
  form.appendChild(el("input", {type: "hidden", name: "_lang", value: cfg.lang}));
  var params = new URLSearchParams(window.location.search);
  cfg.utm.forEach(function (k) { if (params.get(k)) form.appendChild(el("input", {type: "hidden", name: k, value: params.get(k).slice(0, 200)})); });
  form.appendChild(el("input", {type: "hidden", name: "_page", value: window.location.href.slice(0, 500)}));
  form.appendChild(el("input", {type: "hidden", name: "_referrer", value: (document.referrer || "").slice(0, 500)}));
  var errors = {};
  cfg.fields.forEach(function (f) {
    var id = "leadhub-" + cfg.key + "-" + f.name;
    var label = el("label", {"for": id}, f.label + (f.required ? " *" : ""));
    label.style.cssText = "display:block;font-weight:600;margin:.8em 0 .25em";
    var input;
    if (f.type === "textarea") { input = el("textarea", {id: id, name: f.name}); }
    else if (f.type === "select") {
      input = el("select", {id: id, name: f.name}); input.appendChild(el("option", {value: ""}, ""));
      f.options.forEach(function (o) { input.appendChild(el("option", {value: o}, o)); });
    } else if (f.type === "checkbox") { input = el("input", {id: id, name: f.name, type: "checkbox", value: "yes"}); }
    else { input = el("input", {id: id, name: f.name, type: f.type === "tel" || f.type === "email" || f.type === "url" || f.type === "date" ? f.type : "text"}); }
    if (f.type !== "checkbox") input.style.cssText = "width:100%;box-sizing:border-box;padding:.5em;border:1px solid #cdced6;border-radius:6px;font:inherit";
    if (f.required) input.setAttribute("required", "required");
    var err = el("div", {"class": "leadhub-error", id: id + "-error", role: "alert"});
    err.style.cssText = "color:#ce2c31;font-size:.9em";
    errors[f.name] = err;
    form.appendChild(label); form.appendChild(input); form.appendChild(err);
  });
  var hp = el("div", {"aria-hidden": "true"});
  hp.style.cssText = "position:absolute;left:-5000px;width:1px;height:1px;overflow:hidden";
  hp.appendChild(el("input", {name: cfg.honeypot, tabindex: "-1", autocomplete: "off"}));
  form.appendChild(hp);
  var status = el("div", {"class": "leadhub-status", role: "status"});
  var button = el("button", {type: "submit"}, t.send);
  button.style.cssText = "margin-top:1em;padding:.6em 1.3em;border:0;border-radius:6px;background:#3e63dd;color:#fff;font:inherit;cursor:pointer";
  form.appendChild(button); form.appendChild(status);
  host.appendChild(form);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true; status.textContent = "";
    for (var k in errors) errors[k].textContent = "";
    var body = new URLSearchParams(new FormData(form));
    fetch(cfg.action, {method: "POST", body: body, mode: "cors", credentials: "omit",
                       headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data}; }); })
      .then(function (res) {
        button.disabled = false;
        if (res.status === 200 && res.data.ok) {
          if (res.data.redirect_url) { window.location.assign(res.data.redirect_url); return; }
          var done = el("p", {"class": "leadhub-thanks", role: "status"}, res.data.message);
          done.style.cssText = "padding:1em;border-radius:6px;background:#e9f9ee;color:#18794e";
          form.parentNode.replaceChild(done, form);
          return;
        }
        var fe = (res.data.error && res.data.error.field_errors) || {};
        for (var name in fe) { if (errors[name]) errors[name].textContent = fe[name]; }
        status.textContent = (res.data.error && res.data.error.message) || t.error;
      })
      .catch(function () { button.disabled = false; status.textContent = t.error; });
  });
})();
"""


def _js_json(value: Any) -> str:
    """JSON safe to place in a script (no closing tags or HTML comments)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@router.get("/{key}/embed.js")
def embed_script(key: str, request: Request) -> Response:
    """The snippet's script: the form (labels in the page's language) and a fresh fill token."""
    try:
        form = _form(key)
        with session_scope() as session:
            forms.record_view(session=session, form=form)
    except DB_UNAVAILABLE as exc:
        return _unavailable(exc, wants_json=True, cors={"Access-Control-Allow-Origin": "*"},
                            lang=_lang_of_request(request))
    lang = _lang(request, form)
    base = get_settings().app_url.rstrip("/")
    config = {"key": form.key, "action": f"{base}/api/forms/{form.key}/submit", "lang": lang,
              "token": forms.fill_token(form.key), "honeypot": forms.HONEYPOT, "utm": list(forms.UTM_KEYS),
              "texts": {"send": TEXTS[lang]["send"], "error": TEXTS[lang]["error"]},
              "fields": [{"name": f.name, "label": f.label(lang), "required": f.required, "type": f.type,
                          "options": list(f.options)} for f in form.fields]}
    return Response(EMBED_JS.replace("__CONFIG__", _js_json(config)), media_type="application/javascript",
                    headers={**NO_STORE, "Access-Control-Allow-Origin": "*"})


def embed_snippet(key: str, lang: str = "") -> str:
    """What Settings shows to copy into a web site."""
    base = get_settings().app_url.rstrip("/")
    query = f"?lang={lang}" if lang else ""
    return f'<script src="{base}/api/forms/{key}/embed.js{query}" async></script>'


# --- Submissions ----------------------------------------------------------------------------

async def _read_values(request: Request) -> tuple[dict[str, Any], bool]:
    """(values, wants_json): urlencoded, multipart or JSON bodies, at most MAX_BODY_BYTES
    (limits.BodyTooLarge past that, by Content-Length or by the bytes that came)."""
    body = await limits.read_body(request.scope, request.receive, MAX_BODY_BYTES)
    request._body = body   # Starlette's form parser reads the body from here
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    wants_json = kind == "application/json" or "application/json" in request.headers.get("accept", "")
    if kind == "application/json":
        try:
            data = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed("The body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise ValidationFailed("Send a JSON object of field names and values.")
        return {str(k): v for k, v in data.items()}, True
    if kind == "multipart/form-data":
        parsed = await request.form()
        return {k: v for k, v in parsed.items() if isinstance(v, str)}, wants_json
    text = body.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=200)), wants_json


def _visit_of(values: dict[str, Any], request: Request) -> forms.Visit:
    def text(name: str, limit: int) -> str:
        value = values.get(name)
        return str(value)[:limit] if isinstance(value, (str, int, float)) else ""
    return forms.Visit(utm={k: text(k, 200) for k in forms.UTM_KEYS if text(k, 200)},
                       referrer=text("_referrer", 500) or text("referrer", 500),
                       page_url=text("_page", 500) or text("page_url", 500)
                       or request.headers.get("referer", "")[:500])


@router.options("/{key}/submit")
def preflight(key: str, request: Request) -> Response:
    """CORS preflight: the form's own web sites only, never with credentials."""
    try:
        form = _form(key)
        headers = _cors(form, request)
    except LeadHubError:
        return Response(status_code=403, headers={"Vary": "Origin"})
    except DB_UNAVAILABLE as exc:
        return _unavailable(exc, wants_json=True, cors={"Vary": "Origin"}, lang="en")
    headers.update({"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type, Accept",
                    "Access-Control-Max-Age": "600"})
    return Response(status_code=204, headers=headers)


@router.post("/{key}/submit")
async def submit(key: str, request: Request) -> Response:
    """A visitor's submission: 200/303 on success (bots get the same answer), 422 with field
    errors, 413 when too large, 429 when the address sent too many, 403 from another site,
    503 with Retry-After when the database cannot be reached (nothing is stored then)."""
    return await handle_submission(key, request)


async def handle_submission(key: str, request: Request) -> Response:
    """The submission route's work; the app's outermost layer (public_cors) calls it directly
    for POST /api/forms/{key}/submit, the hottest public path."""
    wants_json = "application/json" in request.headers.get("accept", "") or \
        request.headers.get("content-type", "").startswith("application/json")
    cors: dict[str, str] = {"Vary": "Origin"}
    values: dict[str, Any] = {}
    lang = "en"
    try:
        form = forms.cached_form(key) or await run_in_threadpool(_form, key)
        cors = _cors(form, request)
        check_rate(request)
        values, wants_json = await _read_values(request)
        lang = values.get("_lang") if values.get("_lang") in ("en", "es") else _lang(request, form)
        if len(values) > forms.MAX_FIELDS + 20:
            raise ValidationFailed("Too many fields.")
        if not forms.is_bot(form, values):
            visit = _visit_of(values, request)
            if get_settings().is_sqlite:
                # checked here, written by the process's one SQLite writer with whatever else waits
                await _writer.store(form, _clean(form, values), visit)
            else:
                await run_in_threadpool(_store, form, values, visit)
    except limits.BodyTooLarge as exc:
        return JSONResponse({"error": {"type": limits.TYPE, "message": limits.message_for(exc.limit),
                                       "field_errors": {}}}, status_code=413,
                            headers={**NO_STORE, **cors})
    except ValidationFailed as exc:
        if wants_json:
            return _with(error_response(_translated(exc, lang)), cors)
        errors = {k: _message(v, lang) for k, v in exc.field_errors.items()}
        page = render_page(form, lang=lang, action=f"/api/forms/{form.key}/submit",
                           values={k: str(v) for k, v in values.items() if isinstance(v, str)},
                           errors=errors or {"_": exc.message},
                           visit={k: v for k, v in values.items()
                                  if k in (*forms.UTM_KEYS, "_referrer", "_page") and isinstance(v, str)})
        return HTMLResponse(page, status_code=422, headers={**_page_headers(form), **cors})
    except RateLimited as exc:
        if wants_json:
            return _with(error_response(exc), cors)
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{_e(TEXTS['en']['busy'])}</p>",
                            status_code=429, headers={**NO_STORE, **cors, "Retry-After": str(exc.retry_after)})
    except (NotFound, PermissionDenied) as exc:
        return _with(error_response(exc), cors)
    except DB_UNAVAILABLE as exc:
        return _unavailable(exc, wants_json=wants_json, cors=cors, lang=lang)
    if wants_json:
        return JSONResponse({"ok": True, "message": form.thank_you(lang) or THANKS[lang],
                             "redirect_url": form.redirect_url or None}, headers={**NO_STORE, **cors})
    if form.redirect_url:
        return RedirectResponse(form.redirect_url, status_code=303, headers=cors)
    return HTMLResponse(render_page(form, lang=lang, action="", thanks=True),
                        headers={**_page_headers(form), **cors})


# --- The database is away -------------------------------------------------------------------

# What a database that cannot be reached raises (refused or lost connection, a full pool,
# SQLite locked for longer than busy_timeout): the transaction is rolled back, nothing of the
# submission is stored, and the visitor is asked to send it again a little later.
DB_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def _unavailable(exc: Exception, *, wants_json: bool, cors: dict[str, str], lang: Any) -> Response:
    log.warning("form submission refused, the database is unavailable: %s", str(exc).splitlines()[0][:300])
    lang = lang if lang in TEXTS else "en"
    headers = {**NO_STORE, **cors, "Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json:
        return JSONResponse({"error": {"type": "ServiceUnavailable", "message": TEXTS[lang]["down"],
                                       "field_errors": {}}}, status_code=503, headers=headers)
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><meta charset=utf-8><title>503</title>'
                        f"<p>{_e(TEXTS[lang]['down'])}</p></html>", status_code=503, headers=headers)


# --- Writing submissions --------------------------------------------------------------------

class EventBatcher:
    """Hands committed events to the worker in batches (one queue write per DISPATCH_EVERY
    seconds instead of one per submission). Events are in the outbox already: if the queue
    cannot be reached (Redis restarting), the batch is offered again with a growing pause, up
    to MAX_PENDING ids; if this process dies first, or more pile up, the worker's periodic
    sweep dispatches them."""

    DISPATCH_EVERY = 0.25
    MAX_RETRY_PAUSE = 5.0
    MAX_PENDING = 50_000

    def __init__(self):
        self._pending: list[int] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, event_ids: tuple[int, ...]) -> None:
        with self._lock:
            self._pending.extend(event_ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="form-events", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        pause = self.DISPATCH_EVERY
        while True:
            time.sleep(pause)
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._thread = None
                    return
            try:
                from leadhub.services import tasks
                tasks.enqueue_after_commit(event_ids=batch, notification_ids=[])
                pause = self.DISPATCH_EVERY
            except Exception as exc:  # noqa: BLE001 - offered again; the sweep covers the rest
                if pause == self.DISPATCH_EVERY:
                    log.warning("Could not enqueue %s form events (%s); trying again", len(batch), exc)
                pause = min(pause * 2, self.MAX_RETRY_PAUSE)
                with self._lock:
                    self._pending[:0] = batch[-self.MAX_PENDING:]
                    del self._pending[self.MAX_PENDING:]


_events = EventBatcher()


def _clean(form: forms.PublishedForm, values: dict[str, Any]) -> dict[str, Any]:
    """The visitor's values checked (ValidationFailed per field), without the database: the
    session only holds the cached team."""
    with Session(get_engine()) as session:
        return forms.clean_submission(session, form, values)


def _store(form: forms.PublishedForm, values: dict[str, Any], visit: forms.Visit) -> None:
    """PostgreSQL: one transaction per submission, in a worker thread; its events go to the
    worker once it has committed."""
    with session_scope() as session:
        outcome = forms.submit(session=session, form=form, values=values, visit=visit)
        if not outcome.created:
            events.after_commit(session)   # an update's own events (events.record): enqueue them too
    _events.add(outcome.event_ids)


@dataclass
class _Job:
    form: forms.PublishedForm
    clean: dict[str, Any]
    visit: forms.Visit
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


class IntakeWriter:
    """SQLite takes one writer at a time, so one thread of this process writes every checked
    submission, off the event loop (which meanwhile reads and checks the next requests).
    Submissions that arrive while it writes wait together and are then written in ONE
    transaction (group commit: one commit, one board signal for the lot). Each is still
    atomic: if that transaction fails, it is rolled back whole and each submission is written
    again alone, so one bad submission fails only itself. A request's answer waits until its
    submission has committed."""

    MAX_BATCH = 64

    def __init__(self):
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def store(self, form: forms.PublishedForm, clean: dict[str, Any], visit: forms.Visit) -> forms.Outcome:
        loop = asyncio.get_running_loop()
        job = _Job(form, clean, visit, loop, loop.create_future())
        self._queue.put(job)
        if self._thread is None or not self._thread.is_alive():
            self._start()
        return await job.future

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                # the thread runs in the request's context (Reflex's contexts included), so
                # what its commits announce reaches open boards like any request's commit
                context = contextvars.copy_context()
                self._thread = threading.Thread(target=context.run, args=(self._run,),
                                                name="form-intake-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]          # blocks until a submission comes
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - the writer must outlive any failure
                log.exception("form intake writer failed")
                _settle([(job, None, exc) for job in batch])

    def _write(self, batch: list[_Job]) -> None:
        try:
            outcomes = _write_together(batch)
        except Exception as exc:  # noqa: BLE001 - rolled back whole: write each alone
            if len(batch) == 1:
                _settle([(batch[0], None, exc)])
                return
            results: list[tuple[_Job, forms.Outcome | None, BaseException | None]] = []
            for job in batch:
                try:
                    outcome = _write_together([job])[0]
                except Exception as alone:  # noqa: BLE001 - answered to this request only
                    results.append((job, None, alone))
                else:
                    _events.add(outcome.event_ids)
                    results.append((job, outcome, None))
            _settle(results)
            return
        _events.add(tuple(i for outcome in outcomes for i in outcome.event_ids))
        _settle([(job, outcome, None) for job, outcome in zip(batch, outcomes)])


def _write_together(batch: list[_Job]) -> list[forms.Outcome]:
    with session_scope() as session:
        outcomes = forms.store_many(session=session, items=[(job.form, job.clean, job.visit) for job in batch])
        if not all(o.created for o in outcomes):
            events.after_commit(session)   # an update's own events (events.record): enqueue them too
    return outcomes


def _settle(results: list[tuple[_Job, forms.Outcome | None, BaseException | None]]) -> None:
    """Answer the waiting requests: one wake-up of each event loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for result in results:
        by_loop.setdefault(result[0].loop, []).append(result)

    def settle(batch: list) -> None:
        for job, outcome, exc in batch:
            if job.future.done():        # the visitor went away meanwhile
                continue
            if exc is not None:
                job.future.set_exception(exc)
            else:
                job.future.set_result(outcome)

    for loop, batch in by_loop.items():
        try:
            loop.call_soon_threadsafe(settle, batch)
        except RuntimeError:  # that event loop is closed (server shutting down)
            pass


_writer = IntakeWriter()


def _message(text: str, lang: str) -> str:
    return MESSAGES_ES.get(text, text) if lang == "es" else text


def _translated(exc: ValidationFailed, lang: Any) -> ValidationFailed:
    if lang != "es":
        return exc
    return ValidationFailed(TEXTS["es"]["fix"], {k: _message(v, "es") for k, v in exc.field_errors.items()})


def _with(response: Response, headers: dict[str, str]) -> Response:
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def hosted_url(key: str, **params: str) -> str:
    base = get_settings().app_url.rstrip("/")
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base}/api/forms/{key}" + (f"?{query}" if query else "")

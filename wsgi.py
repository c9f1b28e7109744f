"""WSGI entry point: ``gunicorn wsgi:app`` (production settings come from the environment)."""

from werkzeug.middleware.proxy_fix import ProxyFix

from livinglab import create_app

app = create_app()
#: Behind one TLS-terminating proxy: trust its X-Forwarded-For/Proto so rate limits and
#: HTTPS redirects see the real client.
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

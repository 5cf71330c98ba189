"""A folder served over HTTP on 127.0.0.1:<free port>, inside the test's own process, for
the end-to-end tests (tests/e2e/harness.py's FeedServer builds on it). It counts the GET
requests of every path, so a test can tell what feedpop fetched and how often, and can add
headers or choose the Content-Type per path.

tests/support/http_server.py is the other loopback server: a separate process with fixed
endpoints (status codes, redirects, slow and oversized bodies) for the fetcher's tests.
"""

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class FolderServer:
    """Serves the files of `root`.

    headers: {URL path: [(name, value), ...]} added to that path's responses.
    content_type: f(URL path) -> a Content-Type, or None for the one the file name gives.
    quiet_errors: a client hanging up mid-response prints nothing (feedpop drops a body
    over its size cap: expected in some tests).
    """

    def __init__(self, root, headers=None, content_type=None, quiet_errors=False):
        self.root = root
        self._counts = {}
        self._lock = threading.Lock()
        extra = headers or {}
        count = self._count

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def do_GET(self):
                count(urlsplit(self.path).path)
                super().do_GET()

            def end_headers(self):
                for name, value in extra.get(urlsplit(self.path).path, ()):
                    self.send_header(name, value)
                super().end_headers()

            def guess_type(self, path):
                chosen = content_type(urlsplit(self.path).path) if content_type else None
                return chosen or super().guess_type(path)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                if not quiet_errors:
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _count(self, path):
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1

    def count(self, path):
        """GET requests of URL path `path` (e.g. "/a0.html") so far."""
        with self._lock:
            return self._counts.get(path, 0)

    def counts(self):
        """A copy of the request counts, by URL path."""
        with self._lock:
            return dict(self._counts)

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

"""The chaos suite's upstream: it executes every request it receives and
keeps a ledger of those executions (key, fence, request id, times), so the
suite can count how often each key really ran. It can be told to stall, so a
call outlives the gateway's lease and only lease renewal keeps the key owned.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Ledger:
    """Every execution, in arrival order; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.executions = []
        self.stall_until = 0.0
        self.stall_seconds = 0.0

    def stall(self, seconds, each):
        """For `seconds` from now, every execution takes `each` seconds."""
        with self.lock:
            self.stall_until = time.monotonic() + seconds
            self.stall_seconds = each

    def begin(self, key, fence, request_id):
        with self.lock:
            entry = {
                "n": len(self.executions) + 1,
                "key": key,
                "fence": int(fence) if fence and fence.isdigit() else None,
                "request_id": request_id,
                "start": time.time(),
                "end": None,
            }
            self.executions.append(entry)
            delay = self.stall_seconds if time.monotonic() < self.stall_until else 0.0
            return entry, delay

    def finish(self, entry):
        with self.lock:
            entry["end"] = time.time()

    def snapshot(self):
        with self.lock:
            return [dict(entry) for entry in self.executions]


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as the gateway's libcurl pool expects of an upstream.
    protocol_version = "HTTP/1.1"
    ledger = None  # set by serve()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        entry, delay = self.ledger.begin(
            self.headers.get("Idempotency-Key"),
            self.headers.get("Idempotency-Fence"),
            self.headers.get("X-Request-Id"),
        )
        if delay:
            time.sleep(delay)
        body = json.dumps({"execution": entry["n"], "key": entry["key"], "fence": entry["fence"]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.ledger.finish(entry)

    def log_message(self, format, *args):
        pass


def serve(port=0):
    """Starts the ledger upstream on 127.0.0.1:port in a daemon thread; port 0
    lets the kernel choose (read it from server.server_address), so no other
    process can take the port between choosing and binding it."""
    ledger = Ledger()
    handler = type("LedgerHandler", (Handler,), {"ledger": ledger})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    # A gateway killed mid-request resets its connection: expected here.
    server.handle_error = lambda request, client_address: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return ledger, server

"""Unsigned large bodies against the web tier (README, Design: "Bounded bodies, signature
first"). ``python -m bench.web_limits [REPO]`` (REPO: another checkout to measure, e.g. an
older commit in a ``git worktree``; default this one).

1. In-process: the ASGI handler's time for one unsigned 1.7 MB ``view_submission`` body
   (a 94,000-line paste), sent with ``Content-Length`` and chunked, and for one just under
   the 1 MiB limit.
2. Served on loopback: a signed ``/port help`` ack's p50/p95/max alone, then while two
   threads send that unsigned body in a closed loop.
"""
# ruff: noqa
import asyncio, http.client, json, os, socket, statistics, sys, threading, time, tempfile
from urllib.parse import urlencode

root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
sys.path.insert(0, root)
os.chdir(root)
from slack_sdk import WebClient
from bot.sandbox.serving import ServedApp
from bot.server import build_runtime
from bot.web import create_app
from bot.slack.ids import View, Block, VALUE
from bot.slack.deferral import Front, ThreadRunner
from tests.slack.conftest import new_sim, settings_for, SIGNING_SECRET, AGENT, CHANNEL
from bot.sandbox.slack_driver import SlackDriver
from bot.context import build_context
from bot import config

tmp = tempfile.mkdtemp()
sim = new_sim()
settings = settings_for(sim, DATABASE_URL=f"sqlite:///{tmp}/b.db")
import subprocess
subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/b.db", "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "x"}, check=True, capture_output=True)
ctx = build_context(settings)
client = WebClient(token="xoxb-test", base_url=sim.url)
runtime = build_runtime(settings, client=client, ctx=ctx)
try:
    front = Front(ThreadRunner(runtime.bolt), SIGNING_SECRET)
except TypeError:
    front = Front(ThreadRunner(runtime.bolt))
app = create_app(ctx, runtime.bolt, front=front)

paste = "\n".join(f"+1212555{i % 10000:04d}" for i in range(94_000))
payload = {"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1", "callback_id": str(View.NEW_NUMBERS),
           "state": {"values": {str(Block.LANDLINES): {str(VALUE): {"value": paste}}}}}}
big = urlencode({"payload": json.dumps(payload)}).encode()
print("unsigned body bytes", len(big))

# 1. in-process: the handler's time for one unsigned body, delivered in 64 kB messages
async def one(chunked: bool, big=big) -> float:
    parts = [big[i:i + 65536] for i in range(0, len(big), 65536)]
    msgs = [{"type": "http.request", "body": p, "more_body": True} for p in parts]
    msgs[-1]["more_body"] = False
    headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"x-slack-request-timestamp", str(int(time.time())).encode()), (b"x-slack-signature", b"v0=00")]
    if not chunked:
        headers.append((b"content-length", str(len(big)).encode()))
    scope = {"type": "http", "method": "POST", "path": "/slack/events", "raw_path": b"/slack/events", "query_string": b"", "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("x", 1), "client": ("y", 2), "root_path": "", "app": app}
    it = iter(msgs)
    status = []
    async def receive():
        try: return next(it)
        except StopIteration: return {"type": "http.disconnect"}
    async def send(m):
        if m["type"] == "http.response.start": status.append(m["status"])
    t = time.perf_counter()
    try:
        await app(scope, receive, send)
    except Exception:
        status.append(500)
    return (time.perf_counter() - t) * 1000, status[0]
atlimit = big[: 1024 * 1024 - 10]
for chunked in (False, True):
    runs = [asyncio.run(one(chunked)) for _ in range(5)]
    print("in-process unsigned 1.7MB", "chunked" if chunked else "content-length", "ms:", [round(r[0], 1) for r in runs], "status", runs[0][1])
runs = [asyncio.run(one(False, atlimit)) for _ in range(5)]
print("in-process unsigned 1 MiB (under the limit) ms:", [round(r[0], 1) for r in runs], "status", runs[0][1])

# 2. served: signed /port help p50 while two unsigned senders push the big body
served = ServedApp(app).start()
port = int(served.url.rsplit(":", 1)[1])
stop = threading.Event()
sent = [0]
def sender():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\nContent-Length: {len(big)}\r\n\r\n".encode())
            try: s.sendall(big)
            except OSError: pass
            resp = http.client.HTTPResponse(s); resp.begin(); resp.read(); s.close(); sent[0] += 1
        except OSError:
            pass
driver = SlackDriver(f"{served.url}/slack/events", SIGNING_SECRET, sim, team_id=sim.team_id)
def measure(n=40):
    lat = []
    for _ in range(n):
        t = time.perf_counter(); r = driver.command("/port", "help", user_id=AGENT, channel_id=CHANNEL); lat.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, r.status
        time.sleep(0.02)
    lat.sort(); return statistics.median(lat), lat[int(len(lat) * 0.95) - 1], lat[-1]
measure(5)
print("signed /port help alone: p50 %.1f p95 %.1f max %.1f ms" % measure())
ts = [threading.Thread(target=sender, daemon=True) for _ in range(2)]
for t in ts: t.start()
time.sleep(0.5)
print("signed /port help, two unsigned 1.7MB senders: p50 %.1f p95 %.1f max %.1f ms" % measure())
stop.set()
for t in ts: t.join(10)
print("unsigned bodies answered during the run:", sent[0])
served.stop(); front.runner.close(); sim.stop()

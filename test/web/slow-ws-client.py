"""A WebSocket client that never reads, with a tiny receive buffer: the server must drop it.

Usage: slow-ws-client.py HOST PORT PATH TOKEN SECONDS. Connects, upgrades, then does not read for
SECONDS; then reads what is there until the server's end of the stream, or until data keeps coming
for 3 s. Prints "closed" if the server ended the connection, "open" if it was still sending.
"""
import base64, os, socket, sys, time

host, port, path, token, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# Set before connecting, so the window the server sees stays small.
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(
    (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
)
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(1)
    if not chunk:
        print("refused")
        sys.exit(0)
    head += chunk
if b" 101 " not in head.split(b"\r\n")[0]:
    print("refused")
    sys.exit(0)
time.sleep(seconds)
s.settimeout(3)
deadline = time.time() + 30
try:
    while time.time() < deadline:
        if not s.recv(1 << 20):
            print("closed")
            sys.exit(0)
except socket.timeout:
    print("open")
    sys.exit(0)
except ConnectionResetError:
    print("closed")
    sys.exit(0)
print("open")

#!/usr/bin/python3
"""Makes an upgrade capture: real TLS 1.2 handshakes (Python's ssl, OpenSSL) behind SMTP STARTTLS and behind an
HTTP CONNECT, recorded on the loopback interface with an AF_PACKET socket (root; no tcpdump needed).

Usage: sudo python3 make-upgrade-captures.py OUT.pcap

The tests run it at test time (UpgradeCaptureFixture); the capture is never committed. Needs only python3 (standard
library) and the openssl command. Both servers listen on free loopback ports chosen by the kernel; on success the
last line on stdout is "smtp_port=N proxy_port=M", and the capture holds only the TCP packets of those two ports.

Every socket and wait has a timeout and a watchdog ends the whole run after RUN_TIMEOUT seconds, so it never hangs.
On failure it prints "make-upgrade-captures: error: ..." on stderr, removes OUT and exits 1; it exits 77 when the
AF_PACKET socket cannot be opened (not root / no CAP_NET_RAW), so a caller can tell a missing permission apart.
The temporary key and certificate are deleted in every case.

Both servers use one self-signed certificate (openssl req) for mail.example.test and www.example.test, valid from
its creation for 30 days. TLS 1.2 is the maximum so that the certificate travels in the clear. The captures are
deterministic in structure, not in bytes (keys, randoms and ports differ per run): tests assert names, offsets and
fingerprint inputs, never hashes of random fields.
"""
import os, socket, ssl, struct, subprocess, sys, tempfile, threading, time

IO_TIMEOUT = 5.0      # seconds, every socket operation
RUN_TIMEOUT = 15.0    # seconds, the whole run (watchdog)
MAX_FRAMES = 10000    # the two sessions need a few dozen packets
MAX_LINE = 4096       # bytes, one protocol line or HTTP head
EXIT_NO_PERMISSION = 77


class CaptureError(Exception):
    pass


class NoPermission(Exception):
    pass


class Recorder:
    """Records the incoming copy of every IPv4 TCP frame on lo whose source or destination port is one of ports."""

    def __init__(self, ports):
        self.ports, self.frames, self.stop, self.error = set(ports), [], threading.Event(), None
        try:
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        except PermissionError as e:
            raise NoPermission(f'cannot open an AF_PACKET socket (run as root or with CAP_NET_RAW): {e}') from e
        self.sock.bind(('lo', 0))
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            while not self.stop.is_set():
                try:
                    data, addr = self.sock.recvfrom(65535)
                except socket.timeout:
                    continue
                if addr[2] == socket.PACKET_OUTGOING:  # loopback delivers each packet twice; keep the incoming copy
                    continue
                if self._wanted(data) and len(self.frames) < MAX_FRAMES:
                    self.frames.append((time.time(), data))
        except Exception as e:  # reported by finish()
            self.error = e

    def _wanted(self, data):
        if len(data) < 14 + 20 or data[12:14] != b'\x08\x00' or data[14 + 9] != 6:
            return False
        ihl = (data[14] & 0x0f) * 4
        if ihl < 20 or len(data) < 14 + ihl + 4:
            return False
        sport, dport = struct.unpack_from('!HH', data, 14 + ihl)
        return sport in self.ports or dport in self.ports

    def start(self):
        self.thread.start()

    def finish(self):
        time.sleep(0.2)  # let the last packets of the closes arrive
        self.stop.set()
        self.thread.join(IO_TIMEOUT)
        self.sock.close()
        if self.thread.is_alive():
            raise CaptureError('the capture thread did not stop')
        if self.error is not None:
            raise CaptureError(f'capture failed: {self.error!r}')
        return self.frames


def read_line(sock):
    line = b''
    while not line.endswith(b'\n'):
        c = sock.recv(1)
        if not c:
            raise CaptureError(f'connection closed before the end of a line (got {line!r})')
        line += c
        if len(line) > MAX_LINE:
            raise CaptureError('line too long')
    return line


def read_head(sock):
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        c = sock.recv(1)
        if not c:
            raise CaptureError(f'connection closed before the end of an HTTP head (got {head!r})')
        head += c
        if len(head) > MAX_LINE:
            raise CaptureError('HTTP head too long')
    return head


def listener():
    """A listening socket on a free loopback port (port 0: the kernel picks one)."""
    s = socket.socket()
    s.settimeout(IO_TIMEOUT)
    s.bind(('127.0.0.1', 0))
    s.listen(1)
    return s


def accept(listening):
    conn, _ = listening.accept()
    conn.settimeout(IO_TIMEOUT)
    return conn


def connect(port):
    return socket.create_connection(('127.0.0.1', port), timeout=IO_TIMEOUT)


def smtp_server(listening, ctx):
    conn = accept(listening)
    try:
        conn.sendall(b'220 mail.example.test ESMTP\r\n')
        read_line(conn)  # EHLO
        conn.sendall(b'250-mail.example.test\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n')
        read_line(conn)  # STARTTLS
        conn.sendall(b'220 2.0.0 Ready to start TLS\r\n')
        tls = ctx.wrap_socket(conn, server_side=True)
        read_line(tls)  # QUIT
        tls.sendall(b'221 2.0.0 Bye\r\n')
        tls.close()
    finally:
        conn.close()


def proxy_server(listening, ctx):
    conn = accept(listening)
    try:
        read_head(conn)
        conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        tls = ctx.wrap_socket(conn, server_side=True)  # the proxy ends the tunnel itself: enough for the capture
        tls.recv(4096)
        tls.sendall(b'HTTP/1.1 204 No Content\r\n\r\n')
        tls.close()
    finally:
        conn.close()


def smtp_client(port, ctx):
    c = connect(port)
    try:
        read_line(c)
        c.sendall(b'EHLO client.example.test\r\n')
        while not read_line(c).startswith(b'250 '):
            pass
        c.sendall(b'STARTTLS\r\n')
        read_line(c)
        tls = ctx.wrap_socket(c, server_hostname='mail.example.test')
        tls.sendall(b'QUIT\r\n')
        read_line(tls)
        tls.close()
    finally:
        c.close()


def proxy_client(port, ctx):
    c = connect(port)
    try:
        c.sendall(b'CONNECT www.example.test:443 HTTP/1.1\r\nHost: www.example.test:443\r\nUser-Agent: upgrade-capture\r\n\r\n')
        read_head(c)
        tls = ctx.wrap_socket(c, server_hostname='www.example.test')
        tls.sendall(b'GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n')
        tls.recv(4096)
        tls.close()
    finally:
        c.close()


def session(server, client, listening, server_ctx, client_ctx):
    """One server thread and the client in this thread; a failure of either is raised here."""
    errors = []

    def serve():
        try:
            server(listening, server_ctx)
        except Exception as e:
            errors.append(e)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        client(listening.getsockname()[1], client_ctx)
    finally:
        t.join(2 * IO_TIMEOUT)
    if t.is_alive():
        raise CaptureError(f'{server.__name__} did not finish')
    if errors:
        raise CaptureError(f'{server.__name__} failed: {errors[0]!r}')


def make_certificate(tmp):
    key, crt = os.path.join(tmp, 'key.pem'), os.path.join(tmp, 'crt.pem')
    try:
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                        '-keyout', key, '-out', crt, '-days', '30', '-subj', '/CN=mail.example.test',
                        '-addext', 'subjectAltName=DNS:mail.example.test,DNS:www.example.test'],
                       check=True, capture_output=True, timeout=IO_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:
        raise CaptureError('the openssl command is not installed (Debian package openssl)') from e
    except subprocess.CalledProcessError as e:
        raise CaptureError(f'openssl req failed ({e.returncode}): {e.stderr.decode(errors="replace").strip()}') from e
    return key, crt


def write_pcap(out, frames):
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data in frames:
            sec = int(ts)
            f.write(struct.pack('<IIII', sec, int((ts - sec) * 1e6), len(data), len(data)) + data)


def main(out):
    with tempfile.TemporaryDirectory(prefix='upgrade-captures-') as tmp:
        key, crt = make_certificate(tmp)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(crt, key)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_alpn_protocols(['http/1.1'])
    smtp_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    smtp_ctx.check_hostname = False
    smtp_ctx.verify_mode = ssl.CERT_NONE
    smtp_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    proxy_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    proxy_ctx.check_hostname = False
    proxy_ctx.verify_mode = ssl.CERT_NONE
    proxy_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    proxy_ctx.set_alpn_protocols(['h2', 'http/1.1'])

    smtp, proxy = listener(), listener()
    try:
        smtp_port, proxy_port = smtp.getsockname()[1], proxy.getsockname()[1]
        recorder = Recorder([smtp_port, proxy_port])
        recorder.start()
        session(smtp_server, smtp_client, smtp, server_ctx, smtp_ctx)
        session(proxy_server, proxy_client, proxy, server_ctx, proxy_ctx)
        frames = recorder.finish()
    finally:
        smtp.close()
        proxy.close()
    if not frames:
        raise CaptureError('no packets were captured on lo')
    write_pcap(out, frames)
    print(f'smtp_port={smtp_port} proxy_port={proxy_port}', flush=True)


def fail(code, message, out):
    print(f'make-upgrade-captures: error: {message}', file=sys.stderr, flush=True)
    try:
        os.remove(out)
    except OSError:
        pass
    os._exit(code)  # also ends any thread still blocked


if __name__ == '__main__':
    if len(sys.argv) != 2:
        print('usage: python3 make-upgrade-captures.py OUT.pcap (as root)', file=sys.stderr)
        sys.exit(2)
    target = sys.argv[1]
    watchdog = threading.Timer(RUN_TIMEOUT, fail, (1, f'did not finish within {RUN_TIMEOUT:g} s', target))
    watchdog.daemon = True
    watchdog.start()
    try:
        main(target)
    except NoPermission as e:
        fail(EXIT_NO_PERMISSION, str(e), target)
    except Exception as e:
        fail(1, f'{type(e).__name__}: {e}', target)
    watchdog.cancel()

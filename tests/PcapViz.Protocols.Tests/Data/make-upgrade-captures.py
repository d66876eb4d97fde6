#!/usr/bin/python3
"""Makes upgrade-captures.pcap: real TLS 1.2 handshakes (Python's ssl, OpenSSL) behind SMTP STARTTLS and behind an
HTTP CONNECT, recorded on the loopback interface with an AF_PACKET socket (root; no tcpdump needed).

Usage: sudo python3 make-upgrade-captures.py OUT.pcap

Both servers use one self-signed certificate (openssl req) for mail.example.test and www.example.test, valid from
its creation for 30 days. TLS 1.2 is the maximum so that the certificate travels in the clear. The captures are
deterministic in structure, not in bytes (keys and randoms differ per run): tests assert names, offsets and
fingerprint inputs, never hashes of random fields.
"""
import os, socket, ssl, struct, subprocess, sys, tempfile, threading, time

SMTP_PORT, PROXY_PORT = 2525, 3128
frames, stop = [], threading.Event()


def capture():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind(('lo', 0))
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:  # loopback delivers each packet twice; keep the incoming copy
            continue
        frames.append((time.time(), data))


def read_line(sock):
    line = b''
    while not line.endswith(b'\n'):
        c = sock.recv(1)
        if not c:
            break
        line += c
    return line


def smtp_server(listener, ctx):
    conn, _ = listener.accept()
    conn.sendall(b'220 mail.example.test ESMTP\r\n')
    read_line(conn)  # EHLO
    conn.sendall(b'250-mail.example.test\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n')
    read_line(conn)  # STARTTLS
    conn.sendall(b'220 2.0.0 Ready to start TLS\r\n')
    tls = ctx.wrap_socket(conn, server_side=True)
    read_line(tls)  # QUIT
    tls.sendall(b'221 2.0.0 Bye\r\n')
    tls.close()


def proxy_server(listener, ctx):
    conn, _ = listener.accept()
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        head += conn.recv(1)
    conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
    tls = ctx.wrap_socket(conn, server_side=True)  # the proxy ends the tunnel itself: enough for the capture
    tls.recv(4096)
    tls.sendall(b'HTTP/1.1 204 No Content\r\n\r\n')
    tls.close()


def main(out):
    tmp = tempfile.mkdtemp()
    key, crt = os.path.join(tmp, 'key.pem'), os.path.join(tmp, 'crt.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-keyout', key, '-out', crt, '-days', '30', '-subj', '/CN=mail.example.test',
                    '-addext', 'subjectAltName=DNS:mail.example.test,DNS:www.example.test'],
                   check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(crt, key)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_alpn_protocols(['http/1.1'])
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2

    t = threading.Thread(target=capture)
    t.start()
    time.sleep(0.3)

    smtp = socket.socket(); smtp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); smtp.bind(('127.0.0.1', SMTP_PORT)); smtp.listen(1)
    srv = threading.Thread(target=smtp_server, args=(smtp, server_ctx)); srv.start()
    c = socket.create_connection(('127.0.0.1', SMTP_PORT))
    read_line(c); c.sendall(b'EHLO client.example.test\r\n')
    while not read_line(c).startswith(b'250 '):
        pass
    c.sendall(b'STARTTLS\r\n'); read_line(c)
    tls = client_ctx.wrap_socket(c, server_hostname='mail.example.test')
    tls.sendall(b'QUIT\r\n'); read_line(tls); tls.close()
    srv.join(); smtp.close()

    proxy = socket.socket(); proxy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); proxy.bind(('127.0.0.1', PROXY_PORT)); proxy.listen(1)
    srv = threading.Thread(target=proxy_server, args=(proxy, server_ctx)); srv.start()
    c = socket.create_connection(('127.0.0.1', PROXY_PORT))
    c.sendall(b'CONNECT www.example.test:443 HTTP/1.1\r\nHost: www.example.test:443\r\nUser-Agent: upgrade-capture\r\n\r\n')
    resp = b''
    while not resp.endswith(b'\r\n\r\n'):
        resp += c.recv(1)
    client_ctx.set_alpn_protocols(['h2', 'http/1.1'])
    tls = client_ctx.wrap_socket(c, server_hostname='www.example.test')
    tls.sendall(b'GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n'); tls.recv(4096); tls.close()
    srv.join(); proxy.close()

    time.sleep(0.3)
    stop.set(); t.join()
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data in frames:
            if len(data) >= 14 + 20 and data[12:14] == b'\x08\x00' and data[14 + 9] == 6:
                sec = int(ts)
                f.write(struct.pack('<IIII', sec, int((ts - sec) * 1e6), len(data), len(data)) + data)


if __name__ == '__main__':
    main(sys.argv[1])

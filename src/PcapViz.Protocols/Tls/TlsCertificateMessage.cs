using PcapViz.Protocols.Internal;

namespace PcapViz.Protocols.Tls;

/// <summary>The Certificate handshake message of TLS 1.2 and earlier (RFC 5246 §7.4.2), the last one sent in the clear.</summary>
public static class TlsCertificateMessage
{
    /// <summary>
    /// The DER certificates of a Certificate body, in the order sent (the server's own first). A list cut short
    /// (a body truncated at the cap, or a length past the end) yields the certificates that are whole;
    /// <paramref name="complete"/> says whether the list was read to its end. Never throws.
    /// </summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> ReadCertificates(ReadOnlyMemory<byte> body, out bool complete)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        complete = false;
        var span = body.Span;
        var r = new SpanReader(span);
        if (!r.TryReadUInt24(out int total)) return result;
        int end = r.Position + Math.Min(total, r.Remaining);
        complete = r.Remaining >= total;
        while (r.Position < end)
        {
            int start = r.Position;
            if (!r.TryReadUInt24(out int length) || length > end - r.Position)
            {
                complete = false;
                break;
            }
            result.Add(body.Slice(start + 3, length));
            r.TrySkip(length);
        }
        return result;
    }
}

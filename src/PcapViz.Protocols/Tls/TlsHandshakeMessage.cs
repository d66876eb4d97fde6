namespace PcapViz.Protocols.Tls;

/// <summary>TLS handshake message types this project reads (RFC 8446 §4, RFC 5246 §7.4).</summary>
public static class TlsHandshakeType
{
    /// <summary>client_hello</summary>
    public const byte ClientHello = 1;
    /// <summary>server_hello (also a HelloRetryRequest, recognised by its random)</summary>
    public const byte ServerHello = 2;
    /// <summary>certificate</summary>
    public const byte Certificate = 11;
}

/// <summary>
/// One complete handshake message taken from a stream: its type, the length its header declared, and the body bytes
/// kept (at most the reassembler's cap for that type; <see cref="Truncated"/> says when fewer were kept).
/// </summary>
/// <param name="Type">The handshake type byte.</param>
/// <param name="DeclaredLength">The 24-bit length in the message header.</param>
/// <param name="Body">The body bytes kept, without the 4-byte header.</param>
/// <param name="StreamOffset">Offset of the message header in the handshake byte stream (after record framing).</param>
public sealed record TlsHandshakeMessage(byte Type, int DeclaredLength, ReadOnlyMemory<byte> Body, long StreamOffset)
{
    /// <summary>True when the body was cut at the cap: fewer bytes kept than declared.</summary>
    public bool Truncated => Body.Length < DeclaredLength;
}

/// <summary>How many bytes of each handshake message are kept. A ClientHello may declare up to 16 MiB; nothing
/// this project reads needs more than the caps below.</summary>
public sealed record TlsReassemblyLimits
{
    /// <summary>Bytes kept of a ClientHello or ServerHello body (64 KiB).</summary>
    public int MaxHelloBytes { get; init; } = 64 * 1024;

    /// <summary>Bytes kept of a Certificate body (1 MiB).</summary>
    public int MaxCertificateBytes { get; init; } = 1024 * 1024;

    /// <summary>Bytes kept of any other handshake message (0: only type and length are reported).</summary>
    public int MaxOtherBytes { get; init; }

    /// <summary>Messages queued and not yet taken; further ones are counted in <see cref="TlsHandshakeReassembler.MessagesDropped"/>.</summary>
    public int MaxQueuedMessages { get; init; } = 16;

    /// <summary>Defaults as documented on each property.</summary>
    public static TlsReassemblyLimits Default { get; } = new();

    internal int CapFor(byte type) => type switch
    {
        TlsHandshakeType.ClientHello or TlsHandshakeType.ServerHello => Math.Max(0, MaxHelloBytes),
        TlsHandshakeType.Certificate => Math.Max(0, MaxCertificateBytes),
        _ => Math.Max(0, MaxOtherBytes),
    };
}

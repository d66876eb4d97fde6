using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PcapViz.Export;

/// <summary>
/// Name-based UUIDs, version 5 (RFC 9562 §5.5): SHA-1 over the namespace's 16 bytes (network order) followed by the
/// name, the first 16 bytes of the hash with the version and variant bits set. The same namespace and name give the
/// same UUID on every machine, which is what makes the threat-intelligence exports reproducible byte for byte.
/// </summary>
internal static class Uuid5
{
    /// <summary>PcapViz's own namespace for the ids of the objects it writes (STIX SDOs, MISP events and attributes). Never change it: every id derives from it.</summary>
    public static readonly Guid PcapVizNamespace = new("b0a0343e-5e9f-45df-8eae-71c3091bfd49");

    /// <summary>The namespace STIX 2.1 (§2.9) gives for the ids of cyber-observable objects, so that any producer names the same address alike.</summary>
    public static readonly Guid StixObservableNamespace = new("00abedb4-aa42-466c-9c01-fed23315a9b7");

    public static Guid Create(Guid ns, string name) => Create(ns, Encoding.UTF8.GetBytes(name));

    public static Guid Create(Guid ns, ReadOnlySpan<byte> name)
    {
        Span<byte> input = name.Length <= 4096 ? stackalloc byte[16 + name.Length] : new byte[16 + name.Length];
        if (!ns.TryWriteBytes(input[..16], bigEndian: true, out _)) throw new InvalidOperationException("A Guid is 16 bytes.");
        name.CopyTo(input[16..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5; it names, it does not protect.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>Lower-case "8-4-4-4-12" text, as STIX and MISP write UUIDs.</summary>
    public static string Text(Guid id) => id.ToString("D");

    /// <summary>The text of the UUIDv5, in PcapViz's namespace, of the object that <paramref name="members"/> fill, written compactly (STIX domain objects, MISP events and attributes).</summary>
    public static string OfContent(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonOut.CompactWriterOptions))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }
        return Text(Create(PcapVizNamespace, buffer.WrittenSpan));
    }
}

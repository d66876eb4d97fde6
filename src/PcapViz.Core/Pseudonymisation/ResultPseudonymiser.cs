using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using PcapViz.Model;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Rewrites a finished result model with the pseudonyms of one key (docs/pseudonymisation.md, "Pseudonymised
/// bundles"): every address, name and free-text field of every record passes through here, once the analyses and the
/// watchlists have seen the originals and before any exporter, the history or the terminal sees the run. A field
/// added to the model is one line in the record's method below.
/// </summary>
/// <remarks>
/// What is computed from a value's content (address class, registered-domain signals, label lengths, entropy,
/// country) was computed on the original and is carried over; lists are sorted again by their documented order with
/// the pseudonyms in place of the originals, so no tie is broken by an original value. ASN and AS organisation are
/// dropped: they name the network a pseudonym stands for.
/// </remarks>
public sealed class ResultPseudonymiser(Pseudonymiser pseudonymiser)
{
    private readonly Pseudonymiser _p = pseudonymiser ?? throw new ArgumentNullException(nameof(pseudonymiser));

    /// <summary>The pseudonyms under the key (`report --slices` rewrites the slices' packets with them).</summary>
    public Pseudonymiser Pseudonymiser => _p;

    /// <summary>What manifest.json says about how the bundle was pseudonymised.</summary>
    public PseudonymisationInfo Info { get; } = new(Pseudonymiser.Method, pseudonymiser.KeyId);

    /// <summary>
    /// The run with every capture, the run's totals and its context pseudonymised (before the history is recalled:
    /// <see cref="Watchlists"/> does what the history adds). <paramref name="replace"/> puts a
    /// capture's pseudonymised parts in place of its own (a run keeps results beyond its memory budget on disk); it is
    /// called from several threads at once.
    /// </summary>
    internal RunResult Run(RunResult run, Func<CaptureResult, CaptureDetails, CaptureResult> replace, int jobs)
    {
        ArgumentNullException.ThrowIfNull(run);
        var captures = new CaptureResult[run.Captures.Count];
        Parallel.For(0, captures.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs) },
            i => captures[i] = replace(run.Captures[i], Details(run.Captures[i].Details)));
        return run with
        {
            Info = run.Info with { Pseudonymisation = Info },
            Captures = captures,
            SourceIps = SourceIps(run.SourceIps),
            DnsQueries = DnsQueries(run.DnsQueries),
            Context = Context(run.Context),
            Application = Application(run.Application),
            Beacons = run.Beacons with { Pairs = run.Beacons.Pairs.Select(b => b with { Beacon = Beacon(b.Beacon) }).ToList() },
        };
    }

    internal CaptureDetails Details(CaptureDetails d) =>
        new(SourceIps(d.SourceIps), DnsQueries(d.DnsQueries), d.Traffic, Context(d.Context))
        {
            Conversations = Conversations(d.Conversations),
            Application = Application(d.Application),
        };

    /// <summary>
    /// The application layer: server names, HTTP hosts and certificate names as names (a host that is an address as an
    /// address), paths, user agents, certificate subjects and issuers as text tokens, and every address set through the
    /// address map. A certificate's SHA-256 names the certificate (and, through certificate logs, its site): a token too.
    /// TLS fingerprints, versions, ciphers and ALPN describe software, not who: kept.
    /// </summary>
    internal ApplicationResult Application(ApplicationResult r) => r with
    {
        ServerNames = [.. r.ServerNames.Select(e => e with { ServerName = Host(e.ServerName), Clients = Addresses(e.Clients), Servers = Addresses(e.Servers) })],
        TlsClients = [.. r.TlsClients.Select(e => e with { Clients = Addresses(e.Clients), ServerNames = Hosts(e.ServerNames) })],
        TlsServers = [.. r.TlsServers.Select(e => e with { Servers = Addresses(e.Servers), ServerNames = Hosts(e.ServerNames) })],
        Certificates = [.. r.Certificates.Select(e => e with
        {
            // Still 64 hex digits, as analysis.json's schema says a SHA-256 is: the SHA-256 of the keyed token.
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Text(e.Sha256)))),
            Subject = Text(e.Subject), Issuer = Text(e.Issuer),
            SubjectAltNames = new ValueList<string>(e.SubjectAltNames.Select(Host)),
            ServerNames = Hosts(e.ServerNames), Servers = Addresses(e.Servers),
        })],
        HttpRequests = [.. r.HttpRequests.Select(e => e with
        {
            Host = Host(e.Host), Path = _p.UrlOrPath(e.Path), UserAgent = Text(e.UserAgent), Clients = Addresses(e.Clients),
        })],
        AddressNames = [.. r.AddressNames.Select(e => e with { Address = Address(e.Address), Name = Host(e.Name) })],
    };

    private BoundedSet Addresses(BoundedSet set) => set with { Items = new ValueList<string>(set.Items.Select(Address).Order(StringComparer.Ordinal)) };

    private BoundedSet Hosts(BoundedSet set) => set with { Items = new ValueList<string>(set.Items.Select(Host).Order(StringComparer.Ordinal)) };

    private string Host(string value) => _p.Host(value);

    private string Text(string value) => _p.Text(value);

    /// <summary>
    /// Flows with both endpoints pseudonymised, put back in Community ID order (the smaller address first) with their
    /// counters swapped when the pseudonyms reorder them, and their Community ID computed again from the pseudonyms:
    /// the original ID is a hash of the original 5-tuple, which a reader who knows one side could search for the other.
    /// Beacons and the connections kept for the run's name pseudonymised clients and servers; services hold no address.
    /// </summary>
    internal ConversationResult Conversations(ConversationResult r)
    {
        var entries = r.Entries.Select(e =>
        {
            string a = Address(e.AddressA), b = Address(e.AddressB);
            var flow = CompareAddresses(a, b) > 0
                ? e with
                {
                    AddressA = b, PortA = e.PortB, AddressB = a, PortB = e.PortA,
                    PacketsAToB = e.PacketsBToA, IpBytesAToB = e.IpBytesBToA, PacketsBToA = e.PacketsAToB, IpBytesBToA = e.IpBytesAToB,
                }
                : e with { AddressA = a, AddressB = b };
            return flow with { CommunityId = CommunityIdOf(flow) };
        });
        return r with
        {
            Entries = Sorted(entries, static (x, y) => x.IpBytes != y.IpBytes ? y.IpBytes.CompareTo(x.IpBytes)
                : x.Version != y.Version ? x.Version.CompareTo(y.Version)
                : CompareAddresses(x.AddressA, y.AddressA) is var c && c != 0 ? c
                : CompareAddresses(x.AddressB, y.AddressB) is var d && d != 0 ? d
                : x.PortA != y.PortA ? x.PortA.CompareTo(y.PortA) : x.PortB != y.PortB ? x.PortB.CompareTo(y.PortB) : x.Protocol.CompareTo(y.Protocol)),
            Beacons = r.Beacons.Select(Beacon).ToList(),
            BeaconSamples = r.BeaconSamples with
            {
                Pairs = r.BeaconSamples.Pairs.Select(p => p with { Client = Address(p.Client), Server = Address(p.Server) }).ToList(),
            },
        };
    }

    private BeaconEntry Beacon(BeaconEntry b) => b with { Client = Address(b.Client), Server = Address(b.Server) };

    private static CommunityIdHash CommunityIdOf(ConversationEntry e)
    {
        Span<byte> hash = stackalloc byte[PcapViz.Protocols.Flows.CommunityId.HashLength];
        byte[] a = IPAddress.Parse(e.AddressA).GetAddressBytes(), b = IPAddress.Parse(e.AddressB).GetAddressBytes();
        return PcapViz.Protocols.Flows.CommunityIdHasher.TryHash((byte)e.Protocol, a, b, (ushort)e.PortA, (ushort)e.PortB, hash)
            ? CommunityIdHash.FromBytes(hash)
            // Never the original ID: pseudonyms keep an address's length, so this cannot happen.
            : throw new InvalidOperationException("A pseudonymised flow's addresses differ in length.");
    }

    internal SourceIpResult SourceIps(SourceIpResult r) => r with
    {
        Entries = Sorted(r.Entries.Select(e => e with
        {
            Address = Address(e.Address),
            Names = new ValueList<AddressName>(e.Names.Select(n => n with { Name = Host(n.Name) })),
            Asn = null,
            AsOrg = null,
        }), static (a, b) => b.Packets != a.Packets ? b.Packets.CompareTo(a.Packets) : CompareAddresses(a.Address, b.Address)),
    };

    internal DnsQueryResult DnsQueries(DnsQueryResult r) => r with
    {
        Entries = Sorted(r.Entries.Select(e => e with { Name = Name(e.Name), RegisteredDomain = Name(e.RegisteredDomain) }),
            static (a, b) => b.Queries != a.Queries ? b.Queries.CompareTo(a.Queries)
                : string.CompareOrdinal(a.Name, b.Name) is var c && c != 0 ? c : a.Protocol.CompareTo(b.Protocol)),
    };

    internal ContextResult Context(ContextResult r) => r with
    {
        Answers = r.Answers with
        {
            Entries = Sorted(r.Answers.Entries.Select(e => e with { Address = Address(e.Address), Name = Name(e.Name) }),
                static (a, b) => b.Answers != a.Answers ? b.Answers.CompareTo(a.Answers)
                    : CompareAddresses(a.Address, b.Address) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name)),
        },
        Clients = r.Clients with
        {
            Entries = Sorted(r.Clients.Entries.Select(e => e with { Address = Address(e.Address) }),
                static (a, b) => b.NxDomain != a.NxDomain ? b.NxDomain.CompareTo(a.NxDomain)
                    : b.Responses != a.Responses ? b.Responses.CompareTo(a.Responses) : CompareAddresses(a.Address, b.Address)),
        },
        Domains = Sorted(r.Domains.Select(e => e with { Domain = Name(e.Domain) }),
            static (a, b) => b.Queries != a.Queries ? b.Queries.CompareTo(a.Queries) : string.CompareOrdinal(a.Domain, b.Domain)),
    };

    /// <summary>
    /// The watchlist hits (matched on the original values) and problems of a history, pseudonymised; its new indicators
    /// and trend are left as they are (the history compares the pseudonymised run with the pseudonyms it recorded).
    /// </summary>
    public RunHistory Watchlists(RunHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history with
        {
            WatchlistHits = history.WatchlistHits.Select(h => h with
                {
                    Value = Indicator(h.Kind, h.Value),
                    Entry = WatchlistEntry(h.Kind, h.Entry),
                    Label = _p.Text(h.Label),
                })
                .OrderBy(h => h.Kind).ThenBy(h => h.Value, StringComparer.Ordinal).ThenBy(h => h.List, StringComparer.Ordinal).ThenBy(h => h.Line)
                .ToList(),
            // A problem quotes the bad line, which may hold a real name or address: the bundle says only where it is.
            WatchlistProblems = history.WatchlistProblems
                .Select(p => p with { Message = "the line cannot be used; what is wrong with it is not written in a pseudonymised bundle (the run's own output says it)" })
                .ToList(),
        };
    }

    // Client fingerprints are kept, as in analysis.json: they say which software, not who.
    private string Indicator(IndicatorKind kind, string value) =>
        kind switch { IndicatorKind.Address => Address(value), IndicatorKind.Ja3 or IndicatorKind.Ja4 => value, _ => Name(value) };

    /// <summary>A watchlist entry as written in the list: a domain, an address, or a range (network/prefix).</summary>
    private string WatchlistEntry(IndicatorKind kind, string entry)
    {
        if (kind is IndicatorKind.Ja3 or IndicatorKind.Ja4) return entry;
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return kind == IndicatorKind.Address && IPAddress.TryParse(entry, out _) ? Address(entry) : Name(entry);
        if (!IPAddress.TryParse(entry.AsSpan(0, slash), out var network) ||
            !int.TryParse(entry.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
            return _p.Text(entry);
        // The pseudonym of the network address, cut back to the prefix: the network the range's addresses map into
        // (wherever the map is prefix-preserving, docs/pseudonymisation.md).
        byte[] bytes = network.GetAddressBytes();
        _p.Address(bytes, bytes);
        int bits = bytes.Length * 8;
        prefix = Math.Clamp(prefix, 0, bits);
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        string text = bytes.Length == 4 ? PcapViz.Analysis.IpAddressFormat.Ipv4(BinaryPrimitives.ReadUInt32BigEndian(bytes)) : PcapViz.Analysis.IpAddressFormat.Ipv6(bytes);
        return text + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }

    private string Address(string address) => _p.Address(address);

    private string Name(string name) => _p.Name(name);

    private static List<T> Sorted<T>(IEnumerable<T> items, Comparison<T> order)
    {
        var list = items.ToList();
        list.Sort(order);
        return list;
    }

    /// <summary>Addresses in the analyses' order: IPv4 before IPv6, then by value (not by text).</summary>
    /// <summary>Addresses in Community ID order (version, then value): a flow's endpoints are ordered by it.</summary>
    internal static int CompareAddresses(string a, string b)
    {
        var (va, xa) = Numeric(a);
        var (vb, xb) = Numeric(b);
        return va != vb ? va.CompareTo(vb) : xa.CompareTo(xb);
    }

    private static (int Version, UInt128 Value) Numeric(string address)
    {
        if (!IPAddress.TryParse(address, out var ip)) return (0, 0);
        byte[] bytes = ip.GetAddressBytes();
        return bytes.Length == 4 ? (4, BinaryPrimitives.ReadUInt32BigEndian(bytes)) : (6, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }
}

using System.Text;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// The spill file of one capture's bulky results (<see cref="CaptureSpill"/>): a compact binary form of
/// <see cref="CaptureDetails"/>, written and read as a stream. It replaced indented analysis.json read back with a
/// JsonDocument, which held the whole file and its index in memory (a 200,000-name capture took about 250 MB to read
/// back) and was the largest cost of a run of many distinct-heavy captures. The form lives only for the length of a
/// run, inside the run's spill directory, so it carries a magic and version but no compatibility promise. Strings
/// that repeat across entries (registered domains, address classes, DNS types and codes, signals) are written once
/// and referred to by number, so they are also one string each when read back.
/// </summary>
internal static class CaptureDetailsCodec
{
    private const uint Magic = 0x50564453; // "PVDS"
    private const int Version = 5; // 2: conversations; 3: services and beacons; 4: the application layer; 5: beacon samples

    public static void Write(Stream stream, CaptureDetails details)
    {
        using var w = new Writer(stream);
        w.Out.Write(Magic);
        w.Out.Write(Version);

        w.Limit(details.SourceIps.Limit);
        w.Out.Write(details.SourceIps.Entries.Count);
        foreach (var e in details.SourceIps.Entries)
        {
            w.Out.Write(e.Address);
            w.Out.Write((byte)e.Version);
            w.Out.Write(e.Packets);
            w.Out.Write(e.IpBytes);
            w.Shared(e.AddressClass);
            w.Out.Write7BitEncodedInt(e.Names.Count);
            foreach (var n in e.Names)
            {
                w.Out.Write(n.Name);
                w.Shared(n.Source);
            }
            w.Out.Write(e.MoreNames);
            w.OptionalShared(e.Country);
            w.Out.Write(e.Asn.HasValue);
            if (e.Asn is long asn) w.Out.Write(asn);
            w.OptionalShared(e.AsOrg);
        }

        w.Limit(details.DnsQueries.Limit);
        w.Out.Write(details.DnsQueries.Entries.Count);
        foreach (var e in details.DnsQueries.Entries)
        {
            w.Out.Write(e.Name);
            w.Out.Write((byte)e.Protocol);
            w.Out.Write(e.Queries);
            w.Shared(e.RegisteredDomain);
            w.Counts(e.QueryTypes);
            w.Counts(e.ResponseCodes);
        }

        w.Out.Write(details.Traffic.BinSeconds);
        w.Out.Write(details.Traffic.Bins.Count);
        foreach (var b in details.Traffic.Bins)
        {
            w.Out.Write(b.StartEpochSeconds);
            w.Out.Write(b.Packets);
            w.Out.Write(b.IpBytes);
        }

        var c = details.Context;
        w.Out.Write(c.Responses.Responses);
        w.Out.Write(c.Responses.WithQuestion);
        w.Out.Write(c.Responses.Malformed);
        w.Counts(c.Responses.ResponseCodes);
        w.Limit(c.Answers.Limit);
        w.Out.Write(c.Answers.Entries.Count);
        foreach (var a in c.Answers.Entries)
        {
            w.Out.Write(a.Address);
            w.Out.Write((byte)a.Version);
            w.Out.Write(a.Name);
            w.Out.Write(a.Answers);
        }
        w.Limit(c.Clients.Limit);
        w.Out.Write(c.Clients.Entries.Count);
        foreach (var a in c.Clients.Entries)
        {
            w.Out.Write(a.Address);
            w.Out.Write((byte)a.Version);
            w.Out.Write(a.Responses);
            w.Out.Write(a.NxDomain);
        }
        w.Out.Write(c.Domains.Count);
        foreach (var d in c.Domains)
        {
            w.Shared(d.Domain);
            w.Out.Write(d.Queries);
            w.Out.Write(d.DistinctNames);
            w.Out.Write(d.Responses);
            w.Out.Write(d.NxDomain);
            w.Out.Write(d.TxtNullQueries);
            w.Out.Write(d.MaxLabelLength);
            w.Out.Write(d.LongLabelNames);
            w.Out.Write(d.MeanEntropy);
            w.SharedList(d.Signals);
        }
        w.Shared(c.Facts.PublicSuffixList);
        w.Shared(c.Facts.AddressRegistry);
        w.SharedList(c.Facts.GeoIp);

        w.Limit(details.Conversations.Limit);
        w.Out.Write(details.Conversations.Entries.Count);
        foreach (var f in details.Conversations.Entries)
        {
            w.Out.Write((byte)f.Protocol);
            w.Out.Write((byte)f.Version);
            w.Shared(f.AddressA); // endpoints repeat across flows: one string each when read back
            w.Out.Write((ushort)f.PortA);
            w.Shared(f.AddressB);
            w.Out.Write((ushort)f.PortB);
            w.Out.Write(f.PacketsAToB);
            w.Out.Write(f.IpBytesAToB);
            w.Out.Write(f.PacketsBToA);
            w.Out.Write(f.IpBytesBToA);
            w.Out.Write(f.FirstPacketEpochNanos);
            w.Out.Write(f.LastPacketEpochNanos);
            w.Out.Write((byte)f.TcpFlags);
            w.Out.Write(f.CommunityId.First);
            w.Out.Write(f.CommunityId.Second);
            w.Out.Write(f.CommunityId.Third);
        }
        w.Out.Write(details.Conversations.Services.Count);
        foreach (var v in details.Conversations.Services)
        {
            w.Out.Write((byte)v.Protocol);
            w.Out.Write((ushort)v.Port);
            w.Out.Write(v.Name ?? "");
            w.Out.Write(v.Flows);
            w.Out.Write(v.Clients);
            w.Out.Write(v.Servers);
            w.Out.Write(v.Packets);
            w.Out.Write(v.IpBytesToServer);
            w.Out.Write(v.IpBytesFromServer);
        }
        w.Out.Write(details.Conversations.Beacons.Count);
        foreach (var b in details.Conversations.Beacons)
        {
            w.Out.Write((byte)b.Protocol);
            w.Shared(b.Client);
            w.Shared(b.Server);
            w.Out.Write((ushort)b.Port);
            w.Out.Write(b.Connections);
            w.Out.Write(b.FirstEpochNanos);
            w.Out.Write(b.LastEpochNanos);
            w.Out.Write(b.MedianIntervalNanos);
            w.Out.Write(b.MedianBytesSent);
            w.Out.Write(b.Score);
            w.Out.Write(b.IntervalRegularity);
            w.Out.Write(b.IntervalSymmetry);
            w.Out.Write(b.Coverage);
            w.Out.Write(b.SizeRegularity);
            w.Out.Write(b.IntervalHistogram.Count);
            foreach (int n in b.IntervalHistogram) w.Out.Write(n);
            w.Out.Write(b.ShortestIntervalNanos);
            w.Out.Write(b.LongestIntervalNanos);
        }
        WriteApplication(w, details.Application);
        WriteBeaconSamples(w, details.Conversations.BeaconSamples);
    }

    private static void WriteBeaconSamples(Writer w, BeaconSamples samples)
    {
        w.Out.Write(samples.FirstEpochNanos.HasValue);
        if (samples.FirstEpochNanos is long first) w.Out.Write(first);
        w.Out.Write(samples.LastEpochNanos.HasValue);
        if (samples.LastEpochNanos is long last) w.Out.Write(last);
        w.Out.Write(samples.Pairs.Count);
        foreach (var p in samples.Pairs)
        {
            w.Out.Write((byte)p.Protocol);
            w.Shared(p.Client);
            w.Shared(p.Server);
            w.Out.Write((ushort)p.Port);
            w.Out.Write(p.Starts.Count);
            for (int i = 0; i < p.Starts.Count; i++)
            {
                w.Out.Write(p.Starts[i]);
                w.Out.Write(p.BytesSent[i]);
            }
        }
    }

    private static BeaconSamples ReadBeaconSamples(Reader r)
    {
        long? first = r.In.ReadBoolean() ? r.In.ReadInt64() : null;
        long? last = r.In.ReadBoolean() ? r.In.ReadInt64() : null;
        var pairs = new BeaconConnections[r.Count()];
        for (int i = 0; i < pairs.Length; i++)
        {
            int protocol = r.In.ReadByte();
            string client = r.Shared(), server = r.Shared();
            int port = r.In.ReadUInt16();
            var starts = new long[r.Count()];
            var sent = new long[starts.Length];
            for (int j = 0; j < starts.Length; j++)
            {
                starts[j] = r.In.ReadInt64();
                sent[j] = r.In.ReadInt64();
            }
            pairs[i] = new BeaconConnections(protocol, client, server, port, new ValueList<long>(starts), new ValueList<long>(sent));
        }
        return new BeaconSamples(first, last, pairs);
    }

    private static void WriteApplication(Writer w, ApplicationResult a)
    {
        w.Entries(a.ServerNamesLimit, a.ServerNames, e =>
        {
            w.Out.Write(e.ServerName);
            w.Shared(e.Source);
            w.Out.Write(e.Count);
            w.Set(e.Clients);
            w.Set(e.Servers);
        });
        w.Entries(a.TlsClientsLimit, a.TlsClients, e =>
        {
            w.Shared(e.Ja3);
            w.Shared(e.Ja4);
            w.Out.Write(e.Hellos);
            w.Set(e.Clients);
            w.Set(e.ServerNames);
            w.Set(e.Alpn);
            w.Set(e.Versions);
        });
        w.Entries(a.TlsServersLimit, a.TlsServers, e =>
        {
            w.Shared(e.Ja3S);
            w.Shared(e.Version);
            w.Shared(e.Cipher);
            w.Out.Write(e.Hellos);
            w.Set(e.Servers);
            w.Set(e.ServerNames);
        });
        w.Entries(a.CertificatesLimit, a.Certificates, e =>
        {
            w.Out.Write(e.Sha256);
            w.Out.Write(e.Parsed);
            w.Out.Write(e.Subject);
            w.Out.Write(e.Issuer);
            w.Strings(e.SubjectAltNames);
            w.Out.Write(e.NotBeforeUtc);
            w.Out.Write(e.NotAfterUtc);
            w.Out.Write(e.Seen);
            w.SharedList(e.Signals);
            w.Set(e.ServerNames);
            w.Set(e.Servers);
        });
        w.Entries(a.HttpRequestsLimit, a.HttpRequests, e =>
        {
            w.Shared(e.Host);
            w.Shared(e.Method);
            w.Out.Write(e.Path);
            w.Shared(e.UserAgent);
            w.Out.Write(e.Requests);
            w.Set(e.Clients);
            w.Counts(e.Statuses);
        });
        w.Entries(a.AddressNamesLimit, a.AddressNames, e =>
        {
            w.Shared(e.Address);
            w.Out.Write((byte)e.Version);
            w.Shared(e.Name);
            w.Shared(e.Source);
            w.Out.Write(e.Count);
        });
        var c = a.Counters;
        w.Out.Write(c.Connections);
        w.Out.Write(c.NotTracked);
        w.Out.Write(c.CutAtLimit);
        w.Out.Write(c.Gaps);
    }

    private static ApplicationResult ReadApplication(Reader r)
    {
        var (serverNamesLimit, serverNames) = r.Entries(() => new ServerNameEntry(r.In.ReadString(), r.Shared(), r.In.ReadInt64(), r.Set(), r.Set()));
        var (clientsLimit, clients) = r.Entries(() => new TlsClientEntry(r.Shared(), r.Shared(), r.In.ReadInt64(), r.Set())
        {
            ServerNames = r.Set(), Alpn = r.Set(), Versions = r.Set(),
        });
        var (serversLimit, servers) = r.Entries(() => new TlsServerEntry(r.Shared(), r.Shared(), r.Shared(), r.In.ReadInt64(), r.Set())
        {
            ServerNames = r.Set(),
        });
        var (certificatesLimit, certificates) = r.Entries(() => new CertificateEntry(r.In.ReadString(), r.In.ReadBoolean(), r.In.ReadString(),
            r.In.ReadString(), r.Strings(), r.In.ReadString(), r.In.ReadString(), r.In.ReadInt64(), r.SharedList())
        {
            ServerNames = r.Set(), Servers = r.Set(),
        });
        var (requestsLimit, requests) = r.Entries(() => new HttpRequestEntry(r.Shared(), r.Shared(), r.In.ReadString(), r.Shared(), r.In.ReadInt64(), r.Set())
        {
            Statuses = r.Counts(),
        });
        var (namesLimit, names) = r.Entries(() => new ServerAddressName(r.Shared(), r.In.ReadByte(), r.Shared(), r.Shared(), r.In.ReadInt64()));
        return new ApplicationResult(serverNames, serverNamesLimit, clients, clientsLimit, servers, serversLimit,
            certificates, certificatesLimit, requests, requestsLimit, names, namesLimit)
        {
            Counters = new ApplicationCounters(r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64()),
        };
    }

    public static CaptureDetails Read(Stream stream)
    {
        var r = new Reader(stream);
        if (r.In.ReadUInt32() != Magic || r.In.ReadInt32() != Version)
            throw new InvalidDataException("Not a PcapViz spill file of this version.");

        var sourceLimit = r.Limit();
        var sources = new SourceIpEntry[r.Count()];
        for (int i = 0; i < sources.Length; i++)
        {
            sources[i] = new SourceIpEntry(r.In.ReadString(), r.In.ReadByte(), r.In.ReadInt64(), r.In.ReadInt64())
            {
                AddressClass = r.Shared(),
                Names = r.Names(),
                MoreNames = r.In.ReadInt32(),
                Country = r.OptionalShared(),
                Asn = r.In.ReadBoolean() ? r.In.ReadInt64() : null,
                AsOrg = r.OptionalShared(),
            };
        }

        var dnsLimit = r.Limit();
        var names = new DnsQueryEntry[r.Count()];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = new DnsQueryEntry(r.In.ReadString(), (DnsProtocol)r.In.ReadByte(), r.In.ReadInt64())
            {
                RegisteredDomain = r.Shared(),
                QueryTypes = r.Counts(),
                ResponseCodes = r.Counts(),
            };
        }

        int binSeconds = r.In.ReadInt32();
        var bins = new TrafficBin[r.Count()];
        for (int i = 0; i < bins.Length; i++) bins[i] = new TrafficBin(r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64());

        var totals = new DnsResponseTotals(r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.Counts());
        var answersLimit = r.Limit();
        var answers = new AddressNameEntry[r.Count()];
        for (int i = 0; i < answers.Length; i++)
            answers[i] = new AddressNameEntry(r.In.ReadString(), r.In.ReadByte(), r.In.ReadString(), r.In.ReadInt64());
        var clientsLimit = r.Limit();
        var clients = new DnsClientEntry[r.Count()];
        for (int i = 0; i < clients.Length; i++)
            clients[i] = new DnsClientEntry(r.In.ReadString(), r.In.ReadByte(), r.In.ReadInt64(), r.In.ReadInt64());
        var domains = new DnsDomainEntry[r.Count()];
        for (int i = 0; i < domains.Length; i++)
        {
            domains[i] = new DnsDomainEntry(r.Shared(), r.In.ReadInt64(), r.In.ReadInt32(), r.In.ReadInt64(), r.In.ReadInt64(),
                r.In.ReadInt64(), r.In.ReadInt32(), r.In.ReadInt32(), r.In.ReadDouble(), r.SharedList());
        }
        var facts = new ContextFacts(r.Shared(), r.Shared(), r.SharedList());

        var flowLimit = r.Limit();
        var flows = new ConversationEntry[r.Count()];
        for (int i = 0; i < flows.Length; i++)
        {
            flows[i] = new ConversationEntry(r.In.ReadByte(), r.In.ReadByte(), r.Shared(), r.In.ReadUInt16(), r.Shared(), r.In.ReadUInt16(),
                r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(),
                (TcpFlagsSeen)r.In.ReadByte(), new CommunityIdHash(r.In.ReadUInt64(), r.In.ReadUInt64(), r.In.ReadUInt32()));
        }
        var services = new ServiceEntry[r.Count()];
        for (int i = 0; i < services.Length; i++)
        {
            int protocol = r.In.ReadByte(), port = r.In.ReadUInt16();
            string name = r.In.ReadString();
            services[i] = new ServiceEntry(protocol, port, name.Length == 0 ? null : name, r.In.ReadInt64(), r.In.ReadInt64(),
                r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64(), r.In.ReadInt64());
        }
        var beacons = new BeaconEntry[r.Count()];
        for (int i = 0; i < beacons.Length; i++)
        {
            int protocol = r.In.ReadByte();
            string client = r.Shared(), server = r.Shared();
            int port = r.In.ReadUInt16(), connections = r.In.ReadInt32();
            long first = r.In.ReadInt64(), last = r.In.ReadInt64(), medianInterval = r.In.ReadInt64(), medianBytes = r.In.ReadInt64();
            double score = r.In.ReadDouble(), regularity = r.In.ReadDouble(), symmetry = r.In.ReadDouble(), coverage = r.In.ReadDouble(), size = r.In.ReadDouble();
            var histogram = new int[r.Count()];
            for (int j = 0; j < histogram.Length; j++) histogram[j] = r.In.ReadInt32();
            beacons[i] = new BeaconEntry(protocol, client, server, port, connections, first, last, medianInterval, medianBytes,
                score, regularity, symmetry, coverage, size, new ValueList<int>(histogram), r.In.ReadInt64(), r.In.ReadInt64());
        }

        var application = ReadApplication(r);
        var samples = ReadBeaconSamples(r);
        return new CaptureDetails(new SourceIpResult(sources, sourceLimit), new DnsQueryResult(names, dnsLimit),
            new TrafficResult(binSeconds, bins),
            new ContextResult(totals, new AddressNameResult(answers, answersLimit), new DnsClientResult(clients, clientsLimit), domains, facts))
        {
            Conversations = new ConversationResult(flows, flowLimit) { Services = services, Beacons = beacons, BeaconSamples = samples },
            Application = application,
        };
    }

    private sealed class Writer(Stream stream) : IDisposable
    {
        private readonly Dictionary<string, int> _shared = new(StringComparer.Ordinal);

        // The caller owns the stream: flushed at the end, never closed.
        public BinaryWriter Out { get; } = new(new BufferedStream(stream, 1 << 16), Encoding.UTF8, leaveOpen: true);

        public void Shared(string value)
        {
            if (_shared.TryGetValue(value, out int index))
            {
                Out.Write7BitEncodedInt(index + 1);
                return;
            }
            _shared.Add(value, _shared.Count);
            Out.Write7BitEncodedInt(0);
            Out.Write(value);
        }

        public void OptionalShared(string? value)
        {
            Out.Write(value is not null);
            if (value is not null) Shared(value);
        }

        public void SharedList(ValueList<string> values)
        {
            Out.Write7BitEncodedInt(values.Count);
            foreach (string v in values) Shared(v);
        }

        public void Strings(ValueList<string> values)
        {
            Out.Write7BitEncodedInt(values.Count);
            foreach (string v in values) Out.Write(v);
        }

        public void Counts(ValueList<NamedCount> counts)
        {
            Out.Write7BitEncodedInt(counts.Count);
            foreach (var c in counts)
            {
                Shared(c.Name);
                Out.Write(c.Count);
            }
        }

        public void Set(BoundedSet set)
        {
            Out.Write(set.Complete);
            SharedList(set.Items);
        }

        public void Entries<T>(DistinctLimit limit, IReadOnlyList<T> entries, Action<T> write)
        {
            Limit(limit);
            Out.Write(entries.Count);
            foreach (var e in entries) write(e);
        }

        public void Limit(DistinctLimit limit)
        {
            Out.Write(limit.MaxDistinct);
            Out.Write(limit.Exceeded);
            Out.Write(limit.OtherPackets);
            Out.Write(limit.OtherIpBytes);
            Out.Write(limit.MaxUndercount);
        }

        public void Dispose()
        {
            Out.Flush();
            Out.BaseStream.Flush();
        }
    }

    private sealed class Reader(Stream stream)
    {
        private readonly List<string> _shared = [];

        public BinaryReader In { get; } = new(new BufferedStream(stream, 1 << 16), Encoding.UTF8, leaveOpen: true);

        /// <summary>An entry count, checked against what is left of the stream (a count is never trusted).</summary>
        public int Count()
        {
            int count = In.ReadInt32();
            if (count < 0 || count > In.BaseStream.Length) throw new InvalidDataException("Spill file: an entry count is out of range.");
            return count;
        }

        public string Shared()
        {
            int index = In.Read7BitEncodedInt();
            if (index == 0)
            {
                string value = In.ReadString();
                _shared.Add(value);
                return value;
            }
            if (index > _shared.Count) throw new InvalidDataException("Spill file: a shared string refers past the table.");
            return _shared[index - 1];
        }

        public string? OptionalShared() => In.ReadBoolean() ? Shared() : null;

        public ValueList<string> SharedList()
        {
            int count = In.Read7BitEncodedInt();
            if (count == 0) return ValueList<string>.Empty;
            var items = new string[count];
            for (int i = 0; i < count; i++) items[i] = Shared();
            return new ValueList<string>(items);
        }

        public ValueList<string> Strings()
        {
            int count = In.Read7BitEncodedInt();
            if (count == 0) return ValueList<string>.Empty;
            var items = new string[count];
            for (int i = 0; i < count; i++) items[i] = In.ReadString();
            return new ValueList<string>(items);
        }

        public ValueList<NamedCount> Counts()
        {
            int count = In.Read7BitEncodedInt();
            if (count == 0) return ValueList<NamedCount>.Empty;
            var items = new NamedCount[count];
            for (int i = 0; i < count; i++) items[i] = new NamedCount(Shared(), In.ReadInt64());
            return new ValueList<NamedCount>(items);
        }

        public DistinctLimit Limit() => new(In.ReadInt32(), In.ReadBoolean(), In.ReadInt64(), In.ReadInt64(), In.ReadInt64());

        public BoundedSet Set()
        {
            bool complete = In.ReadBoolean();
            return new BoundedSet(SharedList(), complete);
        }

        public (DistinctLimit Limit, T[] Entries) Entries<T>(Func<T> read)
        {
            var limit = Limit();
            var entries = new T[Count()];
            for (int i = 0; i < entries.Length; i++) entries[i] = read();
            return (limit, entries);
        }

        public ValueList<AddressName> Names()
        {
            int count = In.Read7BitEncodedInt();
            if (count == 0) return ValueList<AddressName>.Empty;
            var items = new AddressName[count];
            for (int i = 0; i < count; i++) items[i] = new AddressName(In.ReadString(), Shared());
            return new ValueList<AddressName>(items);
        }
    }
}

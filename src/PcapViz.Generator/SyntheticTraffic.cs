using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using PcapViz.Decoding;
using PcapViz.Slicing;

namespace PcapViz.Generator;

/// <summary>Options for <see cref="SyntheticTraffic"/>. Defaults give one hour of mixed LAN/Internet traffic.</summary>
public sealed record SyntheticTrafficOptions
{
    /// <summary>Number of packets (records) to write.</summary>
    public long Packets { get; init; } = 1_000_000;

    /// <summary>PRNG seed; the same options give the same bytes.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Time of the first slot, nanoseconds since the Unix epoch (default 2024-03-01T08:00:00Z).</summary>
    public long StartEpochNanos { get; init; } = 1_709_280_000L * 1_000_000_000L;

    /// <summary>Span of the timestamps in seconds.</summary>
    public double DurationSeconds { get; init; } = 3600;

    /// <summary>Container of the file: classic pcap (default) or pcapng.</summary>
    public CaptureFormat Format { get; init; } = CaptureFormat.Pcap;

    /// <summary>Compress the whole file with gzip (as a .pcap.gz a capture tool writes); at <see cref="GzipLevel"/>.</summary>
    public bool Gzip { get; init; }

    /// <summary>Compression level when <see cref="Gzip"/> is set (Fastest keeps multi-GB outputs quick to make).</summary>
    public CompressionLevel GzipLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>Share of IP packets that are IPv6.</summary>
    public double Ipv6Share { get; init; } = 0.30;

    /// <summary>Share of packets that are DNS queries; each query is followed by its response.</summary>
    public double DnsShare { get; init; } = 0.02;

    /// <summary>Distinct DNS names queried (Zipf popularity).</summary>
    public int DnsNames { get; init; } = 3000;

    /// <summary>Client hosts (Zipf popularity); servers are a quarter as many more.</summary>
    public int Hosts { get; init; } = 3000;

    /// <summary>Zipf exponent of host and name popularity.</summary>
    public double ZipfExponent { get; init; } = 1.1;
}

/// <summary>
/// Streams a large, realistic, deterministic capture in constant memory: Ethernet frames, ~40 % 60-byte ACKs,
/// ~35 % 1514-byte full frames, the rest spread over TCP and UDP sizes; IPv4/IPv6; DNS queries and responses over
/// UDP 53; a Zipf-skewed host population; bursty timestamps. Frames are patched in place in pre-built templates.
/// IPv4 header checksums are correct; TCP checksums and IPv6 UDP checksums are stale template values (as with
/// checksum offload on the capturing host); IPv4 UDP checksums are 0 (none).
/// </summary>
public static class SyntheticTraffic
{
    private const int EthernetLength = 14;
    private const int MaxFrame = 1514;

    /// <summary>Writes a capture to <paramref name="path"/> (created or overwritten).</summary>
    public static void WriteFile(string path, SyntheticTrafficOptions options)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        Write(file, options);
    }

    /// <summary>Writes a capture to <paramref name="stream"/>, which the caller owns.</summary>
    public static void Write(Stream stream, SyntheticTrafficOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Packets);
        ArgumentOutOfRangeException.ThrowIfNegative(options.DurationSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Hosts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DnsNames);

        PcapWriter? pcap = null;
        PcapNgWriter? pcapng = null;
        if (options.Format == CaptureFormat.Pcap)
        {
            pcap = new PcapWriter(stream, LinkTypes.Ethernet, gzip: options.Gzip, gzipLevel: options.GzipLevel);
        }
        else
        {
            pcapng = new PcapNgWriter(stream, gzip: options.Gzip, gzipLevel: options.GzipLevel);
            pcapng.AddInterface(LinkTypes.Ethernet, 262144, tsResolution: 9, name: "eth0");
        }

        try
        {
            var generator = new Generator(options);
            var clock = new Clock(options, new Prng(options.Seed ^ 0x7157_A3E5UL));
            for (long i = 0; i < options.Packets; i++)
            {
                long ts = clock.Next();
                var frame = generator.Next();
                if (pcap is not null)
                {
                    pcap.Write(ts, frame);
                }
                else
                {
                    pcapng!.WriteEnhancedPacket(0, ts, frame);
                }
            }
        }
        finally
        {
            pcap?.Dispose();
            pcapng?.Dispose();
        }
    }

    /// <summary>Timestamps: a per-slot rate profile with bursts and quiet periods, packets spread evenly in a slot.</summary>
    private sealed class Clock
    {
        private readonly Prng _rng;
        private readonly double[] _cumulative;
        private readonly long _packets;
        private readonly long _start;
        private readonly double _slotNanos;
        private int _slot = -1;
        private long _inSlot;
        private long _slotCount;
        private long _emitted;

        public Clock(SyntheticTrafficOptions o, Prng rng)
        {
            _rng = rng;
            _packets = o.Packets;
            _start = o.StartEpochNanos;
            int slots = (int)Math.Clamp(Math.Ceiling(o.DurationSeconds), 1, 100_000);
            _slotNanos = o.DurationSeconds * 1e9 / slots;
            _cumulative = new double[slots];
            double level = 1, total = 0;
            int burst = 0, quiet = 0;
            double burstFactor = 1;
            for (int i = 0; i < slots; i++)
            {
                level = Math.Clamp(level * (0.9 + rng.NextDouble() * 0.2), 0.3, 3);
                if (burst == 0 && quiet == 0)
                {
                    if (rng.Chance(0.02))
                    {
                        burst = rng.Next(2, 12);
                        burstFactor = 3 + rng.NextDouble() * 12;
                    }
                    else if (rng.Chance(0.01))
                    {
                        quiet = rng.Next(10, 60);
                    }
                }

                double weight = level;
                if (burst > 0)
                {
                    weight *= burstFactor;
                    burst--;
                }
                else if (quiet > 0)
                {
                    weight *= 0.03;
                    quiet--;
                }

                total += weight;
                _cumulative[i] = total;
            }

            for (int i = 0; i < slots; i++)
            {
                _cumulative[i] /= total;
            }
        }

        public long Next()
        {
            while (_inSlot >= _slotCount)
            {
                _slot++;
                long end = _slot >= _cumulative.Length - 1 ? _packets : (long)Math.Round(_cumulative[_slot] * _packets);
                _slotCount = Math.Max(0, end - _emitted);
                _inSlot = 0;
            }

            double within = (_inSlot + _rng.NextDouble()) / _slotCount;
            _inSlot++;
            _emitted++;
            return _start + (long)((_slot + within) * _slotNanos);
        }
    }

    private sealed class Generator
    {
        // Template layouts (Ethernet II, no VLAN).
        private const int V4 = EthernetLength;          // IPv4 header
        private const int V4L4 = V4 + 20;               // transport header after IPv4
        private const int V6 = EthernetLength;          // IPv6 header
        private const int V6L4 = V6 + 40;

        private readonly SyntheticTrafficOptions _o;
        private readonly Prng _rng;
        private readonly byte[] _tcp4, _tcp6, _udp4, _udp6, _dns4, _dns6;
        private readonly byte[] _payloadPool = new byte[1 << 18];
        private readonly uint[] _clients4, _servers4;
        private readonly byte[][] _clients6, _servers6;
        private readonly double[] _clientZipf, _serverZipf, _nameZipf;
        private readonly byte[][] _queries, _responses;
        private readonly uint[] _resolvers4 = [0x0A00_0035, 0x0A00_0036]; // 10.0.0.53, 10.0.0.54
        private readonly byte[] _resolver6 = IPAddress.Parse("fd00::53").GetAddressBytes();
        private ushort _ipId;
        private bool _pendingResponse;
        private int _dnsName, _dnsClient, _dnsResolver;
        private bool _dnsV6;
        private ushort _dnsId, _dnsPort;

        public Generator(SyntheticTrafficOptions o)
        {
            _o = o;
            _rng = new Prng(o.Seed);
            var filler = new byte[MaxFrame];
            _rng.NextBytes(filler);
            _rng.NextBytes(_payloadPool);
            _tcp4 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv4("10.0.0.1", "10.0.0.2", dontFragment: true)
                .Tcp(1, 2, flags: TcpFlags.Ack, window: 501), filler);
            _tcp6 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv6("fd00::1", "fd00::2")
                .Tcp(1, 2, flags: TcpFlags.Ack, window: 501), filler);
            _udp4 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2, checksum: 0), filler);
            _udp6 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv6("fd00::1", "fd00::2").Udp(1, 2), filler);
            _dns4 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2, checksum: 0), filler);
            _dns6 = Template(new FrameBuilder().Ethernet("00:1b:21:3a:4f:01", "3c:fd:fe:0a:11:02").IPv6("fd00::1", "fd00::2").Udp(1, 2), filler);

            int servers = Math.Max(1, o.Hosts / 4);
            _clients4 = new uint[o.Hosts];
            _clients6 = new byte[o.Hosts][];
            for (int i = 0; i < o.Hosts; i++)
            {
                // 10.<site>.<subnet>.<host>: sites of 16 /24 subnets.
                _clients4[i] = 0x0A00_0000u | (uint)(((i / 4000) + 1) << 16) | (uint)((i % 4000 / 250) << 8) | (uint)(i % 250 + 2);
                var v6 = IPAddress.Parse("2001:db8:1000::").GetAddressBytes();
                v6[5] = (byte)(i >> 8 & 0x0F);
                BinaryPrimitives.WriteUInt64BigEndian(v6.AsSpan(8), _rng.NextUInt64() | 0x0200_0000_0000_0000UL);
                _clients6[i] = v6;
            }

            _servers4 = new uint[servers];
            _servers6 = new byte[servers][];
            for (int i = 0; i < servers; i++)
            {
                // Public-looking addresses outside private and reserved ranges.
                _servers4[i] = (uint)(_rng.Next(1, 10) * 16 + 20) << 24 | (uint)_rng.Next(0, 1 << 24);
                var v6 = IPAddress.Parse("2a00:1450::").GetAddressBytes();
                v6[2] = (byte)(0x20 + i % 0x20);
                BinaryPrimitives.WriteUInt64BigEndian(v6.AsSpan(8), (ulong)(i + 1) * 0x1_0001UL);
                _servers6[i] = v6;
            }

            _clientZipf = Zipf(o.Hosts, o.ZipfExponent);
            _serverZipf = Zipf(servers, o.ZipfExponent);
            _nameZipf = Zipf(o.DnsNames, o.ZipfExponent * 0.9);

            var names = DomainNames.Generate(o.DnsNames, o.Seed ^ 0xD5D5UL);
            _queries = new byte[names.Count][];
            _responses = new byte[names.Count][];
            for (int i = 0; i < names.Count; i++)
            {
                ushort type = i % 5 == 4 ? DnsCodes.TypeAaaa : DnsCodes.TypeA;
                _queries[i] = new DnsMessageBuilder().Question(names[i], type).Build();
                var response = new DnsMessageBuilder { IsResponse = true, RecursionAvailable = true, Compress = true }.Question(names[i], type);
                int answers = 1 + i % 3;
                for (int a = 0; a < answers; a++)
                {
                    var address = new byte[type == DnsCodes.TypeA ? 4 : 16];
                    _rng.NextBytes(address);
                    response.Answer(names[i], type, address, ttl: (uint)(60 * (1 + i % 30)));
                }

                _responses[i] = response.Build();
            }
        }

        /// <summary>The next frame, valid until the next call.</summary>
        public ReadOnlySpan<byte> Next()
        {
            if (_pendingResponse)
            {
                _pendingResponse = false;
                return Dns(response: true);
            }

            double r = _rng.NextDouble();
            if (r < _o.DnsShare)
            {
                _pendingResponse = true;
                _dnsName = Sample(_nameZipf);
                _dnsClient = Sample(_clientZipf);
                _dnsResolver = _rng.Next(_resolvers4.Length);
                _dnsV6 = _rng.Chance(_o.Ipv6Share);
                _dnsId = (ushort)_rng.Next(65536);
                _dnsPort = (ushort)_rng.Next(32768, 61000);
                return Dns(response: false);
            }

            bool v6 = _rng.Chance(_o.Ipv6Share);
            int client = Sample(_clientZipf);
            int server = Sample(_serverZipf);
            double kind = _rng.NextDouble();
            if (kind < 0.40)
            {
                // A pure ACK from the client: 54 (IPv4, padded to 60) or 74 bytes.
                return Tcp(v6, client, server, toClient: false, payload: 0);
            }

            if (kind < 0.75)
            {
                // A full-size segment from the server: 1514-byte frame.
                return Tcp(v6, client, server, toClient: true, payload: v6 ? MaxFrame - V6L4 - 20 : MaxFrame - V4L4 - 20);
            }

            if (kind < 0.87)
            {
                // Requests and partial segments.
                int payload = _rng.Chance(0.5) ? _rng.Next(100, 700) : _rng.Next(1, 1400);
                return Tcp(v6, client, server, toClient: _rng.Chance(0.5), payload);
            }

            // UDP: QUIC-sized datagrams, voice/video, small control messages.
            int size = _rng.Next(4) switch
            {
                0 => _rng.Next(1200, 1353),
                1 => _rng.Next(160, 220),
                2 => _rng.Next(40, 120),
                _ => _rng.Next(20, 1300),
            };
            return Udp(v6, client, server, toClient: _rng.Chance(0.6), (ushort)(_rng.Chance(0.7) ? 443 : 3478), (ushort)_rng.Next(49152, 65536), size);
        }

        private ReadOnlySpan<byte> Tcp(bool v6, int client, int server, bool toClient, int payload)
        {
            var f = v6 ? _tcp6 : _tcp4;
            int l4 = v6 ? V6L4 : V4L4;
            ushort clientPort = (ushort)(49152 + (client * 7919 + server) % 16384);
            ushort serverPort = (server % 5) switch { 0 => 80, 1 => 22, _ => 443 };
            SetAddresses(f, v6, client, server, toClient);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4), toClient ? serverPort : clientPort);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 2), toClient ? clientPort : serverPort);
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(l4 + 4), (uint)_rng.NextUInt64());
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(l4 + 8), (uint)_rng.NextUInt64());
            f[l4 + 13] = (byte)(payload > 0 && _rng.Chance(0.3) ? TcpFlags.Ack | TcpFlags.Psh : TcpFlags.Ack);
            FillPayload(f, l4 + 20, payload);
            int ipLength = SetIpLength(f, v6, 20 + payload);
            int frame = EthernetLength + ipLength;
            return f.AsSpan(0, Math.Max(frame, 60));
        }

        private ReadOnlySpan<byte> Udp(bool v6, int client, int server, bool toClient, ushort serverPort, ushort clientPort, int payload)
        {
            var f = v6 ? _udp6 : _udp4;
            int l4 = v6 ? V6L4 : V4L4;
            SetAddresses(f, v6, client, server, toClient);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4), toClient ? serverPort : clientPort);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 2), toClient ? clientPort : serverPort);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 4), (ushort)(8 + payload));
            FillPayload(f, l4 + 8, payload);
            int ipLength = SetIpLength(f, v6, 8 + payload);
            return f.AsSpan(0, Math.Max(EthernetLength + ipLength, 60));
        }

        private ReadOnlySpan<byte> Dns(bool response)
        {
            var f = _dnsV6 ? _dns6 : _dns4;
            int l4 = _dnsV6 ? V6L4 : V4L4;
            var message = response ? _responses[_dnsName] : _queries[_dnsName];
            if (_dnsV6)
            {
                _clients6[_dnsClient].CopyTo(f, V6 + (response ? 24 : 8));
                _resolver6.CopyTo(f, V6 + (response ? 8 : 24));
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(V4 + (response ? 16 : 12)), _clients4[_dnsClient]);
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(V4 + (response ? 12 : 16)), _resolvers4[_dnsResolver]);
            }

            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4), response ? (ushort)53 : _dnsPort);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 2), response ? _dnsPort : (ushort)53);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 4), (ushort)(8 + message.Length));
            message.CopyTo(f, l4 + 8);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 8), _dnsId);
            int ipLength = SetIpLength(f, _dnsV6, 8 + message.Length);
            return f.AsSpan(0, Math.Max(EthernetLength + ipLength, 60));
        }

        /// <summary>Payload bytes from a random offset of a pre-filled random pool, so that payloads differ between
        /// packets and compress like encrypted traffic, at the cost of one copy.</summary>
        private void FillPayload(byte[] f, int at, int length)
        {
            if (length > 0)
            {
                int from = _rng.Next(_payloadPool.Length - MaxFrame);
                _payloadPool.AsSpan(from, length).CopyTo(f.AsSpan(at));
            }
        }

        private void SetAddresses(byte[] f, bool v6, int client, int server, bool toClient)
        {
            int srcAt = v6 ? V6 + 8 : V4 + 12;
            int dstAt = v6 ? V6 + 24 : V4 + 16;
            int clientAt = toClient ? dstAt : srcAt;
            int serverAt = toClient ? srcAt : dstAt;
            if (v6)
            {
                _clients6[client].CopyTo(f, clientAt);
                _servers6[server].CopyTo(f, serverAt);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(clientAt), _clients4[client]);
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(serverAt), _servers4[server]);
            }

            // Locally administered MACs derived from the client, so L2 and L3 agree within a host.
            f[toClient ? 4 : 10] = (byte)(client >> 8);
            f[toClient ? 5 : 11] = (byte)client;
        }

        /// <summary>Sets the IP length fields (and IPv4 id and checksum); returns the IP datagram length.</summary>
        private int SetIpLength(byte[] f, bool v6, int upperLength)
        {
            if (v6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(V6 + 4), (ushort)upperLength);
                return 40 + upperLength;
            }

            var h = f.AsSpan(V4, 20);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(20 + upperLength));
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], _ipId++);
            h[10] = 0;
            h[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(h[10..], Checksum.Compute(h));
            return 20 + upperLength;
        }

        private int Sample(double[] cumulative)
        {
            int index = Array.BinarySearch(cumulative, _rng.NextDouble());
            return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
        }

        private static double[] Zipf(int n, double s)
        {
            var c = new double[n];
            double total = 0;
            for (int k = 0; k < n; k++)
            {
                total += 1 / Math.Pow(k + 1, s);
                c[k] = total;
            }

            for (int k = 0; k < n; k++)
            {
                c[k] /= total;
            }

            return c;
        }

        private static byte[] Template(FrameBuilder headers, byte[] filler)
        {
            var frame = new byte[MaxFrame];
            filler.CopyTo(frame, 0);
            int length = headers.WriteTo(frame);
            frame.AsSpan(length, Math.Min(6, MaxFrame - length)).Clear(); // Ethernet padding of short frames reads as zeros
            return frame;
        }
    }
}

namespace PcapViz.Generator;

/// <summary>Realistic-looking, deterministic DNS names from small hand-written word lists.</summary>
public static class DomainNames
{
    /// <summary>Registrable base domains (reserved example names and invented ones).</summary>
    public static IReadOnlyList<string> BaseDomains { get; } =
    [
        "example.com", "example.org", "example.net", "contoso.com", "fabrikam.com", "northwind.example",
        "tailspin-toys.com", "wingtip-bikes.net", "adatum.org", "litware.io", "proseware.com", "woodgrove-bank.com",
        "blue-yonder.aero", "lucerne-pub.com", "margie-travel.com", "relecloud.net", "trey-research.org",
        "coho-winery.com", "alpine-ski.house", "fourth-coffee.com", "humongous-ins.com", "wide-world.org",
        "graphic-design.institute", "school-of-fine-art.edu", "cloudmesh.dev", "packetflow.io", "quietbyte.net",
        "sunbeam-media.tv", "openmaps.example.org", "ledgerline.finance", "kitewire.app", "orbitcdn.net",
        "nimbus-storage.com", "acme-corp.local", "corp.example.net", "lab.example.com",
    ];

    /// <summary>Host and service labels placed in front of a base domain.</summary>
    public static IReadOnlyList<string> HostWords { get; } =
    [
        "www", "mail", "smtp", "imap", "api", "cdn", "static", "img", "images", "login", "auth", "sso", "id",
        "docs", "wiki", "git", "ci", "build", "vpn", "intranet", "portal", "calendar", "files", "share", "shop",
        "store", "checkout", "pay", "news", "blog", "status", "metrics", "telemetry", "logs", "update", "updates",
        "download", "mirror", "assets", "media", "video", "stream", "chat", "meet", "voice", "push", "ws",
        "graphql", "search", "maps", "tiles", "analytics", "ads", "track", "beacon", "ntp", "time", "dns",
        "mx1", "mx2", "ns1", "ns2", "edge", "origin", "backup", "db", "cache", "queue", "kafka", "grafana",
        "jira", "confluence", "support", "help", "status-page", "m", "mobile", "app", "beta", "staging", "dev",
    ];

    /// <summary>Middle labels for deeper names (region.service.domain).</summary>
    public static IReadOnlyList<string> RegionWords { get; } =
    [
        "eu-west-1", "us-east-1", "ap-south-2", "fra", "ams", "lon", "nyc", "sfo", "sin", "syd", "prod", "int",
        "edge01", "edge02", "pool", "eu", "us", "asia",
    ];

    /// <summary>mDNS service instance types (browsed under .local).</summary>
    public static IReadOnlyList<string> MdnsServices { get; } =
    [
        "_googlecast._tcp.local", "_airplay._tcp.local", "_raop._tcp.local", "_ipp._tcp.local", "_printer._tcp.local",
        "_spotify-connect._tcp.local", "_companion-link._tcp.local", "_hap._tcp.local", "_smb._tcp.local",
        "_workstation._tcp.local", "_http._tcp.local", "_sleep-proxy._udp.local", "_services._dns-sd._udp.local",
    ];

    /// <summary>Single-label host names (LLMNR, mDNS hosts).</summary>
    public static IReadOnlyList<string> HostNames { get; } =
    [
        "printer-2f", "nas01", "laptop-anna", "desktop-bob", "meeting-room-tv", "kitchen-speaker", "fileserver",
        "build-agent-3", "wpad", "isatap", "dc01", "scanner-lobby", "pi-hole", "homeassistant", "camera-door",
    ];

    /// <summary>A deterministic list of <paramref name="count"/> distinct host names under the base domains.</summary>
    public static IReadOnlyList<string> Generate(int count, ulong seed)
    {
        var rng = new Prng(seed);
        var names = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int attempts = 0;
        while (names.Count < count && attempts++ < count * 50)
        {
            string domain = rng.Pick(BaseDomains);
            string name = rng.Next(10) switch
            {
                < 6 => $"{rng.Pick(HostWords)}.{domain}",
                < 8 => $"{rng.Pick(HostWords)}.{rng.Pick(RegionWords)}.{domain}",
                8 => domain,
                _ => $"{rng.Pick(HostWords)}{rng.Next(1, 40)}.{domain}",
            };

            if (seen.Add(name))
            {
                names.Add(name);
            }
        }

        // Past the combinations of the word lists, fall back to numbered names so the count is always met.
        for (int i = 0; names.Count < count; i++)
        {
            string name = $"node{i}.{rng.Pick(RegionWords)}.{BaseDomains[i % BaseDomains.Count]}";
            if (seen.Add(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>The in-addr.arpa name for a reverse lookup of an IPv4 address given as 4 bytes.</summary>
    public static string ReverseIPv4(ReadOnlySpan<byte> address) => $"{address[3]}.{address[2]}.{address[1]}.{address[0]}.in-addr.arpa";
}

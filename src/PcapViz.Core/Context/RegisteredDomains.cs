namespace PcapViz.Context;

/// <summary>
/// Maps a query name to the registered domain it is grouped under, with the explicit choices for names the Public
/// Suffix List says nothing useful about (docs/analysis.md, "Registered domains").
/// </summary>
public static class RegisteredDomains
{
    /// <summary>Top-level labels of names that never reach the public DNS (RFC 6762 mDNS, RFC 8375, RFC 6761, common LAN use).</summary>
    private static readonly HashSet<string> LocalScope = new(StringComparer.Ordinal)
    {
        "local", "lan", "home", "internal", "intranet", "corp", "localdomain", "localhost", "private", "home.arpa",
    };

    /// <summary>The registered domain of <paramref name="name"/> (presentation form as the DNS analysis writes it).
    /// Public for the history, which groups the names of runs recorded before it stored registered domains.</summary>
    public static string Of(string name, PublicSuffixList list)
    {
        if (name.Length == 0 || name == ".") return ".";
        if (!name.Contains('.')) return name; // a single label (wpad, a LLMNR host): its own group
        if (name == "in-addr.arpa" || name.EndsWith(".in-addr.arpa", StringComparison.Ordinal)) return "in-addr.arpa";
        if (name == "ip6.arpa" || name.EndsWith(".ip6.arpa", StringComparison.Ordinal)) return "ip6.arpa";
        if (name == "home.arpa" || name.EndsWith(".home.arpa", StringComparison.Ordinal)) return "home.arpa";
        if (IsLocalScope(name))
        {
            // host.local, _tcp.local: the label in front of the local TLD, as the PSL's default rule would give.
            return LastLabels(name, 2);
        }
        return list.RegisteredDomain(name) ?? name; // a public suffix asked for itself (com, co.uk) is its own group
    }

    /// <summary>True for a top-level label of names that never reach the public DNS (local, lan, localhost …).</summary>
    internal static bool IsLocalScopeTld(string label) => LocalScope.Contains(label);

    /// <summary>True for a registered domain under a local-scope TLD, a reverse-lookup zone, or a single label:
    /// names that never reach a public registry, so signals are not computed for them.</summary>
    internal static bool IsLocalScope(string domain)
    {
        if (!domain.Contains('.')) return true;
        int lastDot = domain.LastIndexOf('.');
        return LocalScope.Contains(domain[(lastDot + 1)..]) || domain == "home.arpa" || domain.EndsWith(".home.arpa", StringComparison.Ordinal);
    }

    private static string LastLabels(string name, int count)
    {
        int pos = name.Length;
        for (int i = 0; i < count; i++)
        {
            int dot = name.LastIndexOf('.', pos - 1);
            if (dot < 0) return name;
            pos = dot;
        }
        return name[(pos + 1)..];
    }
}

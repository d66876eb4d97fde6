using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Context;

/// <summary>
/// The Public Suffix List (publicsuffix.org), used to group query names by registered domain (eTLD+1).
/// Rules of the ICANN section only: private-section suffixes (blogspot.com, duckdns.org …) are ignored on purpose,
/// so that names under a hosting or dynamic-DNS provider group under the provider's domain, where one user's tunnel
/// still stands out. Wildcard (<c>*.ck</c>) and exception (<c>!www.ck</c>) rules are honoured; Unicode rules are
/// matched in their ASCII (punycode) form, as names appear on the wire. The embedded copy is data, with its
/// licence notice (MPL-2.0) and version; <c>--public-suffix-list FILE</c> loads a newer one.
/// </summary>
public sealed class PublicSuffixList
{
    private const string EmbeddedResource = "PcapViz.Context.Data.public_suffix_list.dat";
    private static readonly Lazy<PublicSuffixList> LazyEmbedded = new(LoadEmbedded);

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _wildcards; // "ck" for "*.ck"
    private readonly HashSet<string> _exceptions; // "www.ck" for "!www.ck"

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcards, HashSet<string> exceptions, string version)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
        Version = version;
    }

    /// <summary>The copy shipped in the assembly.</summary>
    public static PublicSuffixList Embedded => LazyEmbedded.Value;

    /// <summary>"2026-08-19 e8c9a2b" for the shipped copy; for a file, its name and the first 12 hex digits of its SHA-256.</summary>
    public string Version { get; }

    /// <summary>ICANN-section rules read (normal, wildcard and exception).</summary>
    internal int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>Reads a list file in the publicsuffix.org format; throws <see cref="InvalidDataException"/> naming the file.</summary>
    public static PublicSuffixList Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
        var list = Parse(Encoding.UTF8.GetString(bytes), Path.GetFileName(path) + " sha256:" + hash);
        if (list.RuleCount == 0)
            throw new InvalidDataException($"'{path}' holds no ICANN-section rule: it is not a Public Suffix List (expected '// ===BEGIN ICANN DOMAINS===' and rules such as 'com').");
        return list;
    }

    private static PublicSuffixList LoadEmbedded()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream(EmbeddedResource)
            ?? throw new InvalidOperationException("The embedded Public Suffix List is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), null);
    }

    /// <summary>Parses list text. Lines outside the ICANN section, comments and blank lines are ignored.</summary>
    internal static PublicSuffixList Parse(string text, string? version)
    {
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wildcards = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        var idn = new IdnMapping();
        bool icann = false;
        string? declared = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                if (line.Contains("===BEGIN ICANN DOMAINS===", StringComparison.Ordinal)) icann = true;
                else if (line.Contains("===END ICANN DOMAINS===", StringComparison.Ordinal)) icann = false;
                else if (line.StartsWith("// PCAPVIZ-VERSION:", StringComparison.Ordinal)) declared = line["// PCAPVIZ-VERSION:".Length..].Trim();
                else if (line.StartsWith("// VERSION:", StringComparison.Ordinal)) declared ??= line["// VERSION:".Length..].Trim();
                continue;
            }
            if (!icann || line.Length == 0) continue;
            int space = line.IndexOfAny([' ', '\t']);
            if (space >= 0) line = line[..space];
            string? rule = ToAscii(line.TrimStart('!'), idn);
            if (rule is null) continue;
            if (line.StartsWith('!')) exceptions.Add(rule);
            else if (rule.StartsWith("*.", StringComparison.Ordinal)) wildcards.Add(rule[2..]);
            else rules.Add(rule);
        }
        return new PublicSuffixList(rules, wildcards, exceptions, version ?? declared ?? "unversioned");
    }

    private static string? ToAscii(string rule, IdnMapping idn)
    {
        if (rule.All(char.IsAscii)) return rule.ToLowerInvariant();
        try
        {
            // "*." must stay: IdnMapping rejects '*'.
            bool wildcard = rule.StartsWith("*.", StringComparison.Ordinal);
            string ascii = idn.GetAscii(wildcard ? rule[2..] : rule).ToLowerInvariant();
            return wildcard ? "*." + ascii : ascii;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Length of the public suffix at the end of <paramref name="name"/> (presentation form, lower case, no trailing
    /// dot) by the PSL algorithm: an exception rule wins, else the longest matching rule, else the TLD ("*" default
    /// rule).
    /// </summary>
    private int PublicSuffixLength(ReadOnlySpan<char> name)
    {
        int listed = ListedSuffixLength(name);
        if (listed >= 0) return listed;
        int lastDot = name.LastIndexOf('.');
        return lastDot < 0 ? name.Length : name.Length - lastDot - 1;
    }

    /// <summary>
    /// The public suffix of <paramref name="name"/> by a rule of the list (normal, wildcard or exception); null when
    /// only the default "*" rule would apply (an unknown TLD, a single label). Pseudonymisation keeps only these.
    /// </summary>
    internal string? ListedSuffix(string name)
    {
        int length = ListedSuffixLength(name);
        return length < 0 ? null : name[(name.Length - length)..];
    }

    /// <summary>Length of the suffix a rule of the list names at the end of <paramref name="name"/>, or -1; looked
    /// up as spans, so a name costs no string per label.</summary>
    private int ListedSuffixLength(ReadOnlySpan<char> name)
    {
        var rules = _rules.GetAlternateLookup<ReadOnlySpan<char>>();
        var wildcards = _wildcards.GetAlternateLookup<ReadOnlySpan<char>>();
        var exceptions = _exceptions.GetAlternateLookup<ReadOnlySpan<char>>();
        int best = -1;
        // Walk the suffixes from the longest: the first one that a rule covers is the longest match.
        for (int start = 0; start >= 0 && start < name.Length; start = NextLabel(name, start))
        {
            var suffix = name[start..];
            if (exceptions.Contains(suffix))
            {
                int parent = NextLabel(name, start);
                return parent < 0 ? suffix.Length : name.Length - parent;
            }
            if (best < 0)
            {
                if (rules.Contains(suffix)) best = suffix.Length;
                else
                {
                    int parent = NextLabel(name, start);
                    if (parent >= 0 && wildcards.Contains(name[parent..])) best = suffix.Length;
                }
            }
        }
        return best;
    }

    /// <summary>
    /// True when <paramref name="suffix"/> (a result of <see cref="ListedSuffix"/>) is a public suffix only by a
    /// wildcard rule: its first label is whatever the "*" matched (a school under <c>*.sch.uk</c>).
    /// </summary>
    internal bool IsWildcardSuffix(string suffix)
    {
        if (_rules.Contains(suffix)) return false;
        int dot = suffix.IndexOf('.');
        return dot >= 0 && _wildcards.Contains(suffix[(dot + 1)..]);
    }

    /// <summary>True when <paramref name="name"/> is named by an exception rule (<c>www.ck</c> for <c>!www.ck</c>).</summary>
    internal bool IsException(string name) => _exceptions.Contains(name);

    /// <summary>eTLD+1: the public suffix and one more label; null when the name is itself a public suffix.</summary>
    internal string? RegisteredDomain(string name)
    {
        int suffixLength = PublicSuffixLength(name);
        if (suffixLength >= name.Length) return null;
        int end = name.Length - suffixLength - 1; // the dot before the suffix
        int start = name.LastIndexOf('.', end - 1) + 1;
        return name[start..];
    }

    /// <summary>Start of the next label after the one at <paramref name="start"/>, or -1 at the last label.</summary>
    private static int NextLabel(ReadOnlySpan<char> name, int start)
    {
        int dot = name[start..].IndexOf('.');
        return dot < 0 ? -1 : start + dot + 1;
    }
}

namespace PcapViz.Model;

/// <summary>
/// Collects the issues of one capture. Each code is listed at most <see cref="MaxPerCode"/> times; further
/// occurrences are counted and summarised in one extra issue, so a hostile capture cannot flood the report.
/// </summary>
internal sealed class IssueLog
{
    public const int MaxPerCode = 20;

    private readonly List<CaptureIssue> _issues = [];
    private readonly List<string?> _onceKeys = [];
    private readonly Dictionary<string, (IssueSeverity Severity, int Count)> _counts = new(StringComparer.Ordinal);

    public bool HasErrors { get; private set; }

    public void Warn(string code, string message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Warning, code, message, byteOffset, packetIndex);

    /// <summary>A warning whose message is an interpolated string: formatted with the invariant culture.</summary>
    public void Warn(string code, ref InvariantText message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Warning, code, message.ToStringAndClear(), byteOffset, packetIndex);

    public void Error(string code, string message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Error, code, message, byteOffset, packetIndex);

    /// <summary>An error whose message is an interpolated string: formatted with the invariant culture.</summary>
    public void Error(string code, ref InvariantText message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Error, code, message.ToStringAndClear(), byteOffset, packetIndex);

    public void Add(IssueSeverity severity, string code, string message, long? byteOffset, long? packetIndex)
    {
        if (Count(severity, code)) List(new CaptureIssue(severity, code, message, byteOffset, packetIndex), null);
    }

    /// <summary>
    /// Adds an issue whose text is data: <paramref name="text"/> is formatted only when the issue is listed (within
    /// <see cref="MaxPerCode"/>). <paramref name="onceKey"/> marks an issue reported once per capture per key (each
    /// worker of a parallel analysis reports it once; the merge keeps the first in packet order).
    /// </summary>
    public void Add<TText>(IssueSeverity severity, string code, in TText text, long? byteOffset, long? packetIndex, string? onceKey = null)
        where TText : struct, IIssueText
    {
        if (Count(severity, code)) List(new CaptureIssue(severity, code, text.Format(), byteOffset, packetIndex), onceKey);
    }

    private void List(CaptureIssue issue, string? onceKey)
    {
        _issues.Add(issue);
        _onceKeys.Add(onceKey);
    }

    /// <summary>Counts one occurrence of <paramref name="code"/>; true when it is to be listed.</summary>
    private bool Count(IssueSeverity severity, string code)
    {
        if (severity == IssueSeverity.Error) HasErrors = true;
        ref var seen = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, code, out _);
        seen = (severity, seen.Count + 1);
        return seen.Count <= MaxPerCode;
    }

    /// <summary>Adds an already formatted issue of another log.</summary>
    internal void Add(CaptureIssue issue)
    {
        if (Count(issue.Severity, issue.Code)) List(issue, null);
    }

    /// <summary>For each listed issue, its once-per-capture key (null for ordinary issues).</summary>
    internal IReadOnlyList<string?> OnceKeys => _onceKeys;

    /// <summary>The issues listed so far, in the order they were added (without the summaries of capped codes).</summary>
    internal IReadOnlyList<CaptureIssue> Listed => _issues;

    /// <summary>Per code, how many issues were counted but not listed (past <see cref="MaxPerCode"/>).</summary>
    internal IEnumerable<(string Code, IssueSeverity Severity, int Count)> Unlisted()
    {
        foreach (var (code, (severity, count)) in _counts)
            if (count > MaxPerCode) yield return (code, severity, count - MaxPerCode);
    }

    /// <summary>Counts issues that another log counted without listing them (merging the logs of chunks of one capture).</summary>
    internal void AddUnlisted(IssueSeverity severity, string code, int count)
    {
        if (severity == IssueSeverity.Error) HasErrors = true;
        _counts.TryGetValue(code, out var seen);
        _counts[code] = (severity, seen.Count + count);
    }

    /// <summary>True when an issue with this code was already recorded (for once-per-capture warnings).</summary>
    public bool Has(string code) => _counts.ContainsKey(code);

    public IReadOnlyList<CaptureIssue> ToList()
    {
        var result = new List<CaptureIssue>(_issues);
        foreach (var (code, (severity, count)) in _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (count > MaxPerCode)
                result.Add(new CaptureIssue(severity, code,
                    Invariant.Text($"{count - MaxPerCode} more issues with code '{code}' are not listed ({count} in all)."), null, null));
        }
        return result;
    }
}

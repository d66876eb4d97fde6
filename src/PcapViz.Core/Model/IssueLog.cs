namespace PcapViz.Model;

/// <summary>
/// Collects the issues of one capture. Each code is listed at most <see cref="MaxPerCode"/> times; further
/// occurrences are counted and summarised in one extra issue, so a hostile capture cannot flood the report.
/// </summary>
public sealed class IssueLog
{
    public const int MaxPerCode = 20;

    private readonly List<CaptureIssue> _issues = [];
    private readonly Dictionary<string, (IssueSeverity Severity, int Count)> _counts = new(StringComparer.Ordinal);

    public bool HasErrors { get; private set; }

    public void Warn(string code, string message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Warning, code, message, byteOffset, packetIndex);

    public void Error(string code, string message, long? byteOffset = null, long? packetIndex = null) =>
        Add(IssueSeverity.Error, code, message, byteOffset, packetIndex);

    public void Add(IssueSeverity severity, string code, string message, long? byteOffset, long? packetIndex)
    {
        if (severity == IssueSeverity.Error) HasErrors = true;
        _counts.TryGetValue(code, out var seen);
        _counts[code] = (severity, seen.Count + 1);
        if (seen.Count < MaxPerCode) _issues.Add(new CaptureIssue(severity, code, message, byteOffset, packetIndex));
    }

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
                    $"{count - MaxPerCode} more issues with code '{code}' are not listed ({count} in all).", null, null));
        }
        return result;
    }
}

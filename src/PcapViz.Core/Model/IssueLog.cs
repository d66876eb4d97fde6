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

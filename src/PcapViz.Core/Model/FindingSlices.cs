namespace PcapViz.Model;

/// <summary>
/// The packet slice written into the bundle for one finding, a beacon or a watchlist hit (`report --slices`,
/// docs/output.md "Slices in the bundle").
/// </summary>
/// <param name="File">Its path in the bundle (<c>slices/&lt;capture-id&gt;/beacon-1.pcapng</c>); null when no packet
/// matched, so no file was written.</param>
/// <param name="Packets">Packets in it.</param>
/// <param name="SizeBoundReached">The slice reached --max-slice-bytes: later packets of the finding's flows are not in it.</param>
/// <param name="Problems">The capture could not be read to its end (the packets before the fault are in the slice).</param>
public sealed record FindingSlice(string? File, long Packets, bool SizeBoundReached, IReadOnlyList<string> Problems)
{
    /// <summary>Every packet of the finding's flows is in the slice.</summary>
    public bool Complete => !SizeBoundReached && Problems.Count == 0;

    /// <summary>The file's name without its folder ("beacon-1.pcapng"), or empty when none was written.</summary>
    public string FileName => File is null ? "" : File[(File.LastIndexOf('/') + 1)..];

    /// <summary>What pages and PDFs say after the link: "42 packets", "42 packets, INCOMPLETE: the slice reached ...".</summary>
    public string Describe(long maxSliceBytes)
    {
        if (File is null) return "no packet of the capture matched: no slice";
        string text = Names.Count(Packets, "packet");
        if (SizeBoundReached)
            text += Invariant.Text($", INCOMPLETE: reached --max-slice-bytes ({maxSliceBytes:N0} bytes), later packets are not in it");
        if (Problems.Count > 0) text += ", INCOMPLETE: the capture could not be read to its end";
        return text;
    }
}

/// <summary>The slices of one capture's findings.</summary>
public sealed record CaptureSlices
{
    /// <summary>Slices of the capture's flagged beacons, by protocol, client, server and server port.</summary>
    public IReadOnlyDictionary<(int Protocol, string Client, string Server, int Port), FindingSlice> Beacons { get; init; } =
        new Dictionary<(int, string, string, int), FindingSlice>();

    /// <summary>Slices of the capture's watchlist hits, by kind and value (hits of one value on several entries share one).</summary>
    public IReadOnlyDictionary<(IndicatorKind Kind, string Value), FindingSlice> Hits { get; init; } =
        new Dictionary<(IndicatorKind, string), FindingSlice>();

    /// <summary>Findings left without a slice by the bound on slices per capture.</summary>
    public int NotSliced { get; init; }

    /// <summary>Why the capture has no slices at all (it changed after it was read); null when it was sliced.</summary>
    public string? Problem { get; init; }
}

/// <summary>Every capture's slices (`report --slices`); <see cref="RunResult.Slices"/> is null without the option.</summary>
/// <param name="MaxSliceBytes">The bound on each slice's packet blocks (--max-slice-bytes).</param>
/// <param name="MaxPerCapture">Slices written per capture at most; the findings beyond are counted in <see cref="CaptureSlices.NotSliced"/>.</param>
/// <param name="Captures">By capture id; a capture without findings has no entry.</param>
public sealed record RunSlices(long MaxSliceBytes, int MaxPerCapture, IReadOnlyDictionary<string, CaptureSlices> Captures)
{
    /// <summary>Default bound on slices per capture.</summary>
    public const int DefaultMaxPerCapture = 50;

    /// <summary>The folder of the bundle the slices are written to.</summary>
    public const string Folder = "slices";

    /// <summary>The slices of the capture <paramref name="captureId"/>; null when it had no finding to slice.</summary>
    public CaptureSlices? Of(string captureId) => Captures.GetValueOrDefault(captureId);

    /// <summary>The slice of <paramref name="beacon"/> in the capture <paramref name="captureId"/>; null when it has none (not flagged, or past <see cref="MaxPerCapture"/>).</summary>
    public FindingSlice? Beacon(string captureId, BeaconEntry beacon) =>
        Of(captureId)?.Beacons.GetValueOrDefault((beacon.Protocol, beacon.Client, beacon.Server, beacon.Port));

    /// <summary>The slice of the watchlist hit <paramref name="hit"/> in the capture <paramref name="captureId"/>; null when it has none.</summary>
    public FindingSlice? Hit(string captureId, WatchlistHit hit) => Of(captureId)?.Hits.GetValueOrDefault((hit.Kind, hit.Value));

    /// <summary>What a capture's page says under its findings when some have no slice; empty when every one has.</summary>
    public string NotSlicedNote(string captureId) => Of(captureId) switch
    {
        { Problem: { } problem } => "No packet slices: " + problem,
        { NotSliced: > 0 } s => Invariant.Text(
            $"{Names.Count(s.NotSliced, "more finding")} of this capture {(s.NotSliced == 1 ? "has" : "have")} no packet slice: at most {MaxPerCapture} slices are written per capture (beacons first, then watchlist hits); 'pcapviz slice' cuts any of them."),
        _ => "",
    };
}

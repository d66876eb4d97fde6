using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.Reading;

namespace PcapViz.Slicing;

/// <summary>`report --slices`: the bound on each slice's bytes and on the slices per capture.</summary>
public sealed record SliceOptions(long MaxBytes = SliceSelection.DefaultMaxBytes, int MaxPerCapture = RunSlices.DefaultMaxPerCapture);

/// <summary>
/// `report --slices` (docs/output.md, "Slices in the bundle"): while the original captures are at hand, writes into
/// the bundle a packet slice for every flagged beacon of a capture (every packet of every flow between its client and
/// server on the server port over its transport) and every watchlist hit in it (the packets `pcapviz slice
/// --indicator &lt;value&gt;` cuts from that capture), at most <see cref="SliceOptions.MaxPerCapture"/> per capture,
/// beacons first. A capture's slices are cut in one pass over it (two when a hit is a name), after its SHA-256 is
/// checked again; captures are sliced in parallel, each slice depending on its capture alone, so the files are the same
/// whatever --jobs.
/// </summary>
internal static class ReportSlices
{
    public static RunSlices Write(RunResult run, SliceOptions options, IOutputSink sink, string scratchDirectory, int jobs,
        IRunObserver observer, SlicePseudonymisation? pseudonymisation, CancellationToken cancellationToken)
    {
        var slices = new CaptureSlices?[run.Captures.Count];
        Directory.CreateDirectory(scratchDirectory);
        try
        {
            Parallel.For(0, run.Captures.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken },
                i => slices[i] = OfCapture(run, run.Captures[i], options, sink, scratchDirectory, observer, pseudonymisation, cancellationToken));
        }
        catch (AggregateException all) when (all.InnerExceptions.Count > 0)
        {
            // A write that failed (disk full) fails the run as any other output's does: the caller sees the IOException.
            ExceptionDispatchInfo.Capture(all.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            // The scratch folder, and its parent when nothing else is in it (the spill folder, when no result was spilled).
            try
            {
                Directory.Delete(scratchDirectory, recursive: true);
                Directory.Delete(Path.GetDirectoryName(scratchDirectory)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        var captures = new Dictionary<string, CaptureSlices>(StringComparer.Ordinal);
        for (int i = 0; i < slices.Length; i++)
            if (slices[i] is { } s) captures.Add(run.Captures[i].Id, s);
        return new RunSlices(options.MaxBytes, options.MaxPerCapture, captures);
    }

    private sealed record Finding(string File, string Line, SliceSelection Selection, object Key);

    /// <summary>The capture's findings in slice order: flagged beacons as listed, then its watchlist hits (one per value).</summary>
    private static List<Finding> Findings(RunResult run, CaptureResult capture, SliceOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        string folder = $"{RunSlices.Folder}/{capture.Id}/";
        var findings = new List<Finding>();
        int n = 0;
        foreach (var b in capture.Conversations.Beacons.Where(b => b.Flagged))
        {
            n++;
            if (!IPAddress.TryParse(b.Client, out var client) || !IPAddress.TryParse(b.Server, out var server)) continue;
            var conversation = new SliceConversation(b.Protocol, client, server, b.Port);
            findings.Add(new Finding(folder + $"beacon-{n.ToString(inv)}.pcapng",
                $"finding: beacon {n.ToString(inv)} of the capture, {conversation.Text}, score {b.Score.ToString("0.00", inv)}",
                new SliceSelection([]) { Conversations = [conversation], MaxBytes = options.MaxBytes }, (b.Protocol, b.Client, b.Server, b.Port)));
        }
        n = 0;
        var seen = new HashSet<(IndicatorKind, string)>();
        foreach (var hit in run.History?.HitsIn(capture.Id) ?? [])
        {
            if (!seen.Add((hit.Kind, hit.Value))) continue;
            n++;
            // A value the slicer would read as another kind (a query name "10.0.0.1") or not at all gets no slice, nor does
            // a client fingerprint (the slicer selects by address, name or flow, not by fingerprint). A server name is sliced
            // as a name: the flows whose TLS/QUIC server name or HTTP Host carry it, and the DNS messages naming it.
            if (hit.Kind is IndicatorKind.Ja3 or IndicatorKind.Ja4 ||
                SliceIndicator.TryParse(hit.Value, out _) is not { } indicator ||
                (indicator.Kind == SliceIndicatorKind.Address) != (hit.Kind == IndicatorKind.Address) ||
                indicator.Kind is not (SliceIndicatorKind.Address or SliceIndicatorKind.Name)) continue;
            findings.Add(new Finding(folder + $"watch-{n.ToString(inv)}.pcapng",
                $"finding: watchlist hit {n.ToString(inv)} of the capture, {Names.Of(hit.Kind)} {indicator.Text}",
                new SliceSelection([indicator]) { MaxBytes = options.MaxBytes }, (hit.Kind, hit.Value)));
        }
        return findings;
    }

    private static CaptureSlices? OfCapture(RunResult run, CaptureResult capture, SliceOptions options, IOutputSink sink, string scratchDirectory,
        IRunObserver observer, SlicePseudonymisation? pseudonymisation, CancellationToken cancellationToken)
    {
        if (capture.Status == CaptureStatus.Failed) return null;
        var findings = Findings(run, capture, options);
        if (findings.Count == 0) return null;
        int notSliced = Math.Max(0, findings.Count - options.MaxPerCapture);
        findings = findings[..Math.Min(findings.Count, options.MaxPerCapture)];

        // The captures were hashed when they were read; one changed since then would not hold the findings' packets.
        string? changed;
        try
        {
            string sha = FileSha256.Of(capture.Input.FullPath, out _);
            changed = sha == capture.Input.Sha256 ? null : $"the capture changed after it was read (SHA-256 is {sha} now, {capture.Input.Sha256} when read).";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            changed = $"the capture cannot be read again ({ex.Message}).";
        }
        if (changed is not null)
        {
            observer.Warning($"{Terminal.Safe(capture.Input.Path)}: no packet slices: {Terminal.Safe(changed)}");
            return new CaptureSlices { Problem = changed, NotSliced = notSliced };
        }

        var source = new SliceSource(capture.Input.Path, capture.Input.FullPath, capture.Input.Sha256);
        var streams = new List<Stream>();
        try
        {
            // A slice with no packet is not written (the page says so); the others go straight into the bundle.
            var targets = findings.Select(finding => new SliceTarget(finding.Selection,
                [$"PcapViz {run.Info.ToolVersion} packet slice (report --slices)", finding.Line],
                result => result.Packets == 0 ? null : sink.Create(finding.File), Scratch(scratchDirectory, streams)) { OwnsOutput = true }).ToList();
            var results = PacketSlicer.WriteEach([source], targets, run.Info.ToolVersion, pseudonymisation, cancellationToken);
            var beacons = new Dictionary<(int, string, string, int), FindingSlice>();
            var hits = new Dictionary<(IndicatorKind, string), FindingSlice>();
            for (int i = 0; i < findings.Count; i++)
            {
                var result = results[i];
                var slice = new FindingSlice(result.Packets == 0 ? null : findings[i].File, result.Packets, result.SizeBoundReached, result.Problems);
                switch (findings[i].Key)
                {
                    case ValueTuple<int, string, string, int> beacon: beacons.Add(beacon, slice); break;
                    case ValueTuple<IndicatorKind, string> hit: hits.Add(hit, slice); break;
                }
            }
            return new CaptureSlices { Beacons = beacons, Hits = hits, NotSliced = notSliced };
        }
        finally
        {
            foreach (var stream in streams) stream.Dispose();
        }
    }

    /// <summary>A read/write file in the scratch folder, deleted when closed.</summary>
    private static FileStream Scratch(string directory, List<Stream> streams)
    {
        var stream = new FileStream(Path.Combine(directory, Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            1 << 16, FileOptions.DeleteOnClose);
        streams.Add(stream);
        return stream;
    }
}

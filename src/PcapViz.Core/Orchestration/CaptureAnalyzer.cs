using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Discovery;
using PcapViz.Reading;

namespace PcapViz.Orchestration;

/// <summary>Reads one capture file in a single streaming pass: hash, read, decode, analyse.</summary>
internal static class CaptureAnalyzer
{
    private const int CancellationCheckInterval = 1 << 14;

    /// <summary>
    /// Analyses the file at <paramref name="fullPath"/>. Bad content never throws: it is reported in the result's
    /// issues. Only cancellation and I/O failures opening the file propagate.
    /// </summary>
    public static CaptureResult Analyze(string fullPath, string relativePath, string id, AnalysisOptions options,
        IProgress<long>? bytesRead = null, CancellationToken cancellationToken = default) =>
        Analyze(fullPath, relativePath, id, options, 1, bytesRead, cancellationToken);

    /// <inheritdoc cref="Analyze(string, string, string, AnalysisOptions, IProgress{long}?, CancellationToken)"/>
    /// <param name="parallelism">Cores to use: 1, all on this thread; 2, SHA-256 on a second thread; more, also
    /// decode and analyse record-aligned chunks on parallelism - 1 workers. The result is the same either way.</param>
    public static CaptureResult Analyze(string fullPath, string relativePath, string id, AnalysisOptions options,
        int parallelism, IProgress<long>? bytesRead = null, CancellationToken cancellationToken = default) =>
        Analyze(fullPath, relativePath, id, options, parallelism, bytesRead, null, cancellationToken);

    /// <param name="afterOpen">Called once the file is open (tests use it to change the file while it is read).</param>
    internal static CaptureResult Analyze(string fullPath, string relativePath, string id, AnalysisOptions options,
        int parallelism, IProgress<long>? bytesRead, Action? afterOpen, CancellationToken cancellationToken)
    {
        var issues = new IssueLog();
        var (kind, _) = UnixFileSystem.Stat(fullPath, followLinks: true);
        if (kind is not (FileKind.Regular or FileKind.Missing))
            throw new IOException($"'{fullPath}' is {UnixFileSystem.Describe(kind)}, not a regular file; it is not opened.");
        var analysis = new CaptureAnalysis(options);
        CaptureFileInfo? fileInfo = null;
        string sha256;
        long sizeAtOpen, bytesHashed;
        DateTimeOffset lastWrite;

        using (var file = new FileStream(fullPath, new FileStreamOptions
               {
                   Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
                   Options = FileOptions.SequentialScan, BufferSize = 0,
               }))
        {
            // The size of the open file (fstat), not of the path: a symbolic link or a file replaced meanwhile cannot
            // give a size that belongs to other bytes. Only these bytes are read and hashed.
            sizeAtOpen = file.Length;
            lastWrite = new DateTimeOffset(File.GetLastWriteTimeUtc(file.SafeFileHandle), TimeSpan.Zero);
            afterOpen?.Invoke();
            using var bounded = new BoundedStream(file, sizeAtOpen);
            using var hasher = new CaptureHasher(onAnotherThread: parallelism > 1);
            var reader = CaptureOpener.Open(bounded, issues, sizeAtOpen, hasher);
            // SHA-256 is most of the pass (profile in bench/RESULTS.md): a second core hashes; more cores analyse chunks.
            if (reader is not null && parallelism > 2)
            {
                (analysis, issues) = ParallelCaptureAnalyzer.Read(reader, issues, options, parallelism - 1, () => hasher.BytesHashed, bytesRead, cancellationToken);
                fileInfo = reader.Info;
            }
            else if (reader is not null)
            {
                long index = 0;
                while (reader.TryReadNext(out var packet))
                {
                    analysis.Observe(packet, issues, index);
                    if (++index % CancellationCheckInterval == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        bytesRead?.Report(hasher.BytesHashed);
                    }
                }
                fileInfo = reader.Info;
            }
            sha256 = hasher.Finish(bounded);
            bytesHashed = hasher.BytesHashed;
            bytesRead?.Report(bytesHashed);
            long sizeNow = file.Length;
            if (bytesHashed != sizeAtOpen)
                issues.Warn("file-changed", $"The file shrank while it was read ({sizeAtOpen:N0} bytes when opened, {sizeNow:N0} later); the analysis and the hash cover the {bytesHashed:N0} bytes read.");
            else if (sizeNow != sizeAtOpen)
                issues.Warn("file-changed", $"The file changed size while it was read ({sizeAtOpen:N0} bytes when opened, {sizeNow:N0} later); it may still be being written. Only the {sizeAtOpen:N0} bytes present when it was opened were read, and the hash covers exactly those.");
        }

        var input = new CaptureInput(relativePath, fullPath, bytesHashed, sha256, lastWrite);
        var result = Finish(id, input, fileInfo, analysis, issues);
        // Past a distinct limit the lightest keys are folded away as they come, so chunks folded apart can differ
        // from one pass: such a capture is read again on one thread.
        // So is one whose frames for reassembly were too many to buffer for an in-order replay.
        if (parallelism > 2 && (result.SourceIps.Limit.Exceeded || result.DnsQueries.Limit.Exceeded ||
                                result.Context.Answers.Limit.Exceeded || result.Context.Clients.Limit.Exceeded ||
                                result.Conversations.Limit.Exceeded ||
                                result.Application.Limits.Any(l => l.Limit.Exceeded) ||
                                analysis.NeedsSequentialPass))
            return Analyze(fullPath, relativePath, id, options, 1, null, cancellationToken);
        return result;
    }

    /// <summary>Builds the immutable result from finished analysis state.</summary>
    public static CaptureResult Finish(string id, CaptureInput input, CaptureFileInfo? fileInfo, CaptureAnalysis analysis, IssueLog issues)
    {
        analysis.Complete(issues);
        // Each table doubled its way up during the pass and left the outgrown arrays behind. For a capture of many keys
        // they are collected here, before the results are built beside the state, instead of adding to the peak
        // (issue 22: 200,000 distinct queries peaked 50-70 MB lower, at no measurable cost in time).
        if (DistinctKeys(analysis) >= CollectFrom) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        // The flows' result (sorting, Community IDs, services, beacons) needs nothing the rest does: for a capture
        // with many flows it is built on a thread of its own while the context is built here, the two largest costs
        // of finishing a capture, on the two cores (docs/architecture.md, "Finishing a capture").
        var flows = analysis.Flows;
        var conversationsTask = flows.DistinctCount >= FlowsOnTheirOwnThread
            ? Task.Factory.StartNew(() => Conversations(flows), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : null;
        var traffic = analysis.Traffic.ToResult(issues);
        // Each table lets go of its keys once its result holds them: a distinct-heavy capture's state (about 180 bytes
        // a key) is then reused by the context built next instead of adding to the peak.
        var sourceIps = analysis.SourceIps.ToResult();
        analysis.SourceIps.ReleaseKeys();
        var dns = analysis.DnsQueries.ToResult();
        analysis.DnsQueries.ReleaseNames();
        if (sourceIps.Limit.Exceeded)
            issues.Warn("distinct-limit", $"More than {sourceIps.Limit.MaxDistinct:N0} distinct source addresses: the lightest were folded into \"other\" ({sourceIps.Limit.OtherPackets:N0} packets); listed counts may be low by at most {sourceIps.Limit.MaxUndercount:N0}.");
        if (dns.Limit.Exceeded)
            issues.Warn("distinct-limit", $"More than {dns.Limit.MaxDistinct:N0} distinct query names: the least queried were folded into \"other\" ({dns.Limit.OtherPackets:N0} queries); listed counts may be low by at most {dns.Limit.MaxUndercount:N0}.");
        // Flows past the limit are said so in limits.conversations only: an issue would change the issues of every
        // capture with more flows than the limit, and the existing output stays as it was (docs/analysis.md, "5. Conversations").
        if (analysis.DnsQueries.Malformed > 0)
            issues.Warn("malformed-dns", $"{analysis.DnsQueries.Malformed:N0} DNS messages on DNS ports could not be parsed (bad or cut-short names) and were not counted.");
        long malformedResponses = analysis.DnsQueries.Responses.Malformed;
        if (malformedResponses > 0)
            issues.Warn(IssueCodes.MalformedDnsResponse, $"{malformedResponses:N0} DNS responses on DNS ports could not be read (bad names, counts larger than the message, data past the end); their codes and answers were not used.");
        var application = analysis.Application.Tables.ToResult();
        WarnApplicationLimits(issues, application);
        var (enrichedSources, enrichedDns, context) = PcapViz.Context.ContextBuilder.Build(sourceIps, dns, analysis.DnsQueries.Responses, application, analysis.Options);
        if (context.Answers.Limit.Exceeded)
            issues.Warn("distinct-limit", $"More than {context.Answers.Limit.MaxDistinct:N0} distinct address/name pairs in DNS answers: the least answered were folded into \"other\" ({context.Answers.Limit.OtherPackets:N0} answers).");
        var conversations = conversationsTask is null ? Conversations(flows) : conversationsTask.GetAwaiter().GetResult();
        var status = fileInfo is null ? CaptureStatus.Failed : issues.HasErrors ? CaptureStatus.Partial : CaptureStatus.Ok;
        return new CaptureResult(id, input, status, fileInfo, analysis.ToSummary(), enrichedSources, enrichedDns, traffic, issues.ToList())
        {
            Context = context,
            Conversations = conversations,
            Application = application,
        };
    }

    /// <summary>Distinct keys (source addresses, query names, flows) from which a capture's pass ends with a full collection.</summary>
    internal const int CollectFrom = 100_000;

    private static int DistinctKeys(CaptureAnalysis analysis) =>
        analysis.SourceIps.DistinctCount + analysis.DnsQueries.DistinctCount + analysis.Flows.DistinctCount;

    /// <summary>Flows from which the result of a capture is built on a thread of its own (a thread costs ~0.1 ms).</summary>
    internal const int FlowsOnTheirOwnThread = 20_000;

    private static ConversationResult Conversations(FlowAnalysis flows)
    {
        var result = flows.ToResult();
        flows.ReleaseFlows();
        return result;
    }

    private static void WarnApplicationLimits(IssueLog issues, ApplicationResult application)
    {
        foreach (var (name, limit) in application.Limits.Where(l => l.Limit.Exceeded))
            issues.Warn("distinct-limit", $"More than {limit.MaxDistinct:N0} distinct entries in {name}: the least seen were folded into \"other\" ({limit.OtherPackets:N0}).");
        var c = application.Counters;
        if (c.NotTracked > 0)
            issues.Warn(IssueCodes.ApplicationLimits, $"{c.NotTracked:N0} TLS/HTTP/QUIC connections were not read: {PcapViz.Analysis.Application.ApplicationAnalysis.MaxConnections:N0} connections were open at once (docs/analysis.md, \"Server names, fingerprints, certificates, HTTP\").");
    }
}

using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Diff;

/// <summary>Writes one output of a diff bundle (the page, the PDF) from the finished <see cref="BundleDiff"/>.</summary>
public interface IDiffExporter
{
    /// <summary>"html", "pdf": how a failure names it.</summary>
    string Name { get; }

    /// <summary>Writes this exporter's files of the diff bundle (diff.html, diff.pdf) through <paramref name="sink"/>.</summary>
    void ExportDiff(BundleDiff diff, IOutputSink sink, CancellationToken cancellationToken);
}

/// <summary>Everything one `pcapviz diff` needs; validated before it is built.</summary>
/// <param name="OptionsForManifest">The options as the diff bundle's manifest.json lists them.</param>
public sealed record DiffRequest(
    string OldBundle,
    string NewBundle,
    string OutputDirectory,
    string ToolVersion,
    DateTimeOffset GeneratedUtc,
    IReadOnlyList<IDiffExporter> Exporters,
    IReadOnlyList<KeyValuePair<string, string>> OptionsForManifest)
{
    /// <summary>`--pseudonymise`: every address and name of the diff replaced by its pseudonym; null keeps them.</summary>
    public Pseudonymisation.Pseudonymiser? Pseudonymiser { get; init; }
}

/// <summary>How a diff ended: its exit code, the diff (null when nothing was written) and the fatal errors.</summary>
public sealed record DiffOutcome(int ExitCode, BundleDiff? Diff, IReadOnlyList<string> FatalErrors);

/// <summary>
/// `pcapviz diff OLD NEW -o OUT`: reads both report bundles (every capture's analysis.json, as their manifests list
/// them), compares them, and writes the diff bundle (diff.json, the exporters' files, manifest.json) through a
/// <see cref="BundleTransaction"/>: all or nothing, and never over a directory that is not a PcapViz bundle.
/// </summary>
public sealed class DiffRunner(DiffRequest request, IRunObserver observer)
{
    /// <summary>Reads both bundles, compares them and writes the diff bundle; a bundle that cannot be read, or an output that is not a PcapViz bundle, gives exit code 1 with the reason in <see cref="DiffOutcome.FatalErrors"/> and nothing written.</summary>
    public DiffOutcome Run(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (BundleTransaction.CheckTarget(request.OutputDirectory) is { } targetError) return Fatal(targetError);
        BundleDiff diff;
        try
        {
            var old = DiffBundleReader.Open(request.OldBundle, "old");
            var @new = DiffBundleReader.Open(request.NewBundle, "new");
            if (Overlap(request.OutputDirectory, old.Root, @new.Root) is { } overlap) return Fatal(overlap);
            if (request.Pseudonymiser is not null && new[] { old, @new }.FirstOrDefault(b => b.Manifest.Options.ContainsKey("pseudonymise")) is { } done)
                return Fatal($"--pseudonymise: the {done.Role} bundle '{Terminal.Safe(done.Path)}' is pseudonymised already; compare two pseudonymised bundles without the option (the same key gives the same pseudonyms), or two original bundles with it.");
            observer.Discovered(old.Files.Count + @new.Files.Count, old.Files.Sum(f => f.Size) + @new.Files.Sum(f => f.Size));
            var oldSide = DiffBundleReader.Read(old, observer, cancellationToken, request.Pseudonymiser);
            var newSide = DiffBundleReader.Read(@new, observer, cancellationToken, request.Pseudonymiser);
            diff = BundleDiff.Compute(oldSide, newSide, request.ToolVersion, request.GeneratedUtc) with { PseudonymKeyId = request.Pseudonymiser?.KeyId };
        }
        catch (DiffInputException ex)
        {
            return Fatal(ex.Message);
        }
        cancellationToken.ThrowIfCancellationRequested();

        using var transaction = BundleTransaction.TryBegin(request.OutputDirectory, out string? beginError);
        if (transaction is null) return Fatal(beginError!);
        var sink = transaction.Staging;
        var failures = new List<ExporterFailure>();
        try
        {
            using (var json = sink.Create(DiffJsonWriter.FileName)) DiffJsonWriter.Write(json, diff);
            foreach (var exporter in request.Exporters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    exporter.ExportDiff(diff, sink, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failures.Add(new ExporterFailure(exporter.Name, null, CompositeExporter.Describe(ex)));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fatal(RunCompletion.WriteFailed(ex, transaction.Target));
        }
        if (RunCompletion.FailedOutputs(failures, transaction.Target) is { } failed) return Fatal(failed);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            transaction.Commit((stream, files) => ManifestWriter.WriteDiff(stream, diff, request.OptionsForManifest, files));
        }
        catch (BundleException ex)
        {
            return Fatal(Terminal.Safe(ex.Message));
        }
        return new DiffOutcome(diff.IncompleteInput ? ExitCodes.CapturesWithIssues : ExitCodes.Success, diff, []);
    }

    /// <summary>Why the output may not be written where it is (one of the bundles compared, or inside or around one); else null.</summary>
    private static string? Overlap(string output, params string[] bundles)
    {
        string target = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar);
        foreach (string bundle in bundles)
        {
            if (target == bundle || target.StartsWith(bundle + Path.DirectorySeparatorChar, StringComparison.Ordinal) ||
                bundle.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return $"the output '{Terminal.Safe(target)}' is, lies inside or holds the bundle '{Terminal.Safe(bundle)}' being compared: write the diff to a directory of its own.";
        }
        return null;
    }

    private DiffOutcome Fatal(string message)
    {
        observer.Error(message);
        return new DiffOutcome(ExitCodes.Fatal, null, [message]);
    }
}

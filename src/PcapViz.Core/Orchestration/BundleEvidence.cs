using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Reading;
using PcapViz.Bundle;
using PcapViz.Discovery;
using PcapViz.Export;

namespace PcapViz.Orchestration;

/// <summary>
/// `verify --inputs` and `verify --recompute`: a bundle checked against the captures it was made from. The inputs
/// are found again as the run found them (its roots, --include and --exclude, as the manifest records them).
/// </summary>
public static class BundleEvidence
{
    /// <summary>Re-hashes every input the manifest lists; a capture missing, of another size or other bytes is a problem.</summary>
    public static IReadOnlyList<VerifyProblem> VerifyInputs(BundleManifest manifest, IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<VerifyProblem>();
        LocateInputs(manifest, manifest.Inputs, roots, problems, cancellationToken);
        return problems;
    }

    /// <summary>
    /// Finds <paramref name="inputs"/> (of the manifest) under <paramref name="roots"/> as the run found them and
    /// re-hashes each: those whose bytes are the ones the manifest lists come back with their full path; a capture
    /// missing, of another size or other bytes, or unreadable is a problem naming it.
    /// </summary>
    public static IReadOnlyList<(ManifestCapture Input, string FullPath)> LocateInputs(BundleManifest manifest, IEnumerable<ManifestCapture> inputs,
        IReadOnlyList<string> roots, List<VerifyProblem> problems, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(problems);
        var found = Discover(manifest, roots, problems);
        var intact = new List<(ManifestCapture, string)>();
        foreach (var input in inputs.OrderBy(i => i.Path, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!found.TryGetValue(input.Path, out var discovered))
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Input, input.Path, "the capture is not found under the input roots any more"));
                continue;
            }
            try
            {
                string sha = FileSha256.Of(discovered.FullPath, out long length);
                if (sha != input.Sha256)
                    problems.Add(new VerifyProblem(VerifyProblemKind.Input, input.Path, $"SHA-256 is {sha} ({length.ToString(CultureInfo.InvariantCulture)} bytes), the manifest says {input.Sha256} ({input.SizeBytes.ToString(CultureInfo.InvariantCulture)} bytes)"));
                else intact.Add((input, discovered.FullPath));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Input, input.Path, $"cannot be read ({ex.Message})"));
            }
        }
        return intact;
    }

    /// <summary>
    /// Analyses the inputs again with the options the manifest records and compares every data file (each capture's
    /// analysis.json and CSV files) byte for byte with the bundle's. The output is reproducible, so any difference
    /// means the report does not match its evidence.
    /// </summary>
    public static IReadOnlyList<VerifyProblem> Recompute(string bundle, BundleManifest manifest, IReadOnlyList<string> roots,
        string toolVersion, int jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<VerifyProblem>();
        var options = manifest.Options;
        int? bin = options.TryGetValue("bin", out string? b) && int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int bs) ? bs : null;
        int maxDistinct = options.TryGetValue("maxDistinct", out string? m) && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out int md)
            ? md : AnalysisOptions.DefaultMaxDistinct;
        var dataFiles = manifest.Outputs.Where(o => o.Path.StartsWith("captures/", StringComparison.Ordinal) &&
                                                    (o.Path.EndsWith(".json", StringComparison.Ordinal) || o.Path.EndsWith(".csv", StringComparison.Ordinal)))
            .ToList();
        var exporters = new List<IReportExporter>();
        if (dataFiles.Any(o => o.Path.EndsWith("/" + AnalysisJsonExporter.FileName, StringComparison.Ordinal))) exporters.Add(new AnalysisJsonExporter());
        if (dataFiles.Any(o => o.Path.EndsWith(".csv", StringComparison.Ordinal))) exporters.Add(new CsvExporter());
        if (manifest.ToolVersion != toolVersion)
            problems.Add(new VerifyProblem(VerifyProblemKind.Recomputed, ManifestWriter.FileName, $"made by PcapViz {manifest.ToolVersion}, recomputed with {toolVersion}: files that name the version differ"));

        string temp = Directory.CreateTempSubdirectory("pcapviz-recompute-").FullName;
        try
        {
            string output = Path.Combine(temp, "bundle");
            var request = new RunRequest(roots, output, new AnalysisOptions(bin, maxDistinct), exporters, toolVersion, DateTimeOffset.UnixEpoch, [])
            {
                Includes = Split(options, "include"),
                Excludes = Split(options, "exclude"),
                Jobs = jobs,
                FailOn = FailPolicy.Never,
                AllowEmpty = true,
            };
            var outcome = new ReportRunner(request).Run(cancellationToken);
            if (outcome.Run is null)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Recomputed, ManifestWriter.FileName, $"the inputs cannot be analysed again: {string.Join("; ", outcome.FatalErrors)}"));
                return problems;
            }
            var fresh = outcome.Run.Captures.Select(c => c.Input.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var input in manifest.Inputs.Where(i => !fresh.Contains(i.Path)))
                problems.Add(new VerifyProblem(VerifyProblemKind.Recomputed, input.Path, "the capture is not found under the input roots any more"));
            foreach (var file in dataFiles.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                if (file.Path.Split('/').Any(p => p is "" or "." or "..")) continue; // reported by the file check
                string recomputed = Path.Combine(output, file.Path.Replace('/', Path.DirectorySeparatorChar));
                string original = Path.Combine(bundle, file.Path.Replace('/', Path.DirectorySeparatorChar));
                byte[]? a = ManifestReader.TryReadRegularFile(original, 1L << 31, out _);
                if (a is null) continue; // missing or not a regular file: reported by the file check
                if (!File.Exists(recomputed))
                    problems.Add(new VerifyProblem(VerifyProblemKind.Recomputed, file.Path, "analysing the inputs again does not produce this file"));
                else if (!a.AsSpan().SequenceEqual(File.ReadAllBytes(recomputed)))
                    problems.Add(new VerifyProblem(VerifyProblemKind.Recomputed, file.Path, "differs from what analysing the inputs again produces"));
            }
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); }
            catch (IOException) { }
        }
        return problems;
    }

    private static string[] Split(IReadOnlyDictionary<string, string> options, string name) =>
        options.TryGetValue(name, out string? value) ? value.Split(';', StringSplitOptions.RemoveEmptyEntries) : [];

    private static Dictionary<string, DiscoveredInput> Discover(BundleManifest manifest, IReadOnlyList<string> roots, List<VerifyProblem> problems)
    {
        var discovery = new InputDiscovery(Split(manifest.Options, "include"), Split(manifest.Options, "exclude")).Discover(roots);
        foreach (string e in discovery.Errors) problems.Add(new VerifyProblem(VerifyProblemKind.Input, "", e));
        var found = new Dictionary<string, DiscoveredInput>(StringComparer.Ordinal);
        foreach (var d in discovery.Inputs) found.TryAdd(d.RelativePath, d);
        return found;
    }
}

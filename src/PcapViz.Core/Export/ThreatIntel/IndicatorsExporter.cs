using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// An exporter of one run-level indicators file (<see cref="StixExporter"/>, <see cref="MispExporter"/>): it builds the
/// run's findings (<see cref="ThreatFindings"/>) and hands them to the format's writer; a capture has no file of its own.
/// </summary>
public abstract class IndicatorsExporter : IReportExporter
{
    private readonly string _fileName;
    private readonly Action<Stream, RunResult, IReadOnlyList<ThreatFinding>> _write;

    private protected IndicatorsExporter(string name, string fileName, Action<Stream, RunResult, IReadOnlyList<ThreatFinding>> write)
    {
        Name = name;
        _fileName = fileName;
        _write = write;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
    }

    /// <inheritdoc/>
    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var findings = ThreatFindings.Build(run, cancellationToken);
        using var stream = sink.Create(_fileName);
        _write(stream, run, findings);
    }
}

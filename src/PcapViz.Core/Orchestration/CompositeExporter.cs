using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>An exporter that failed: which one, for which capture (null: the run-level files), and why.</summary>
public sealed record ExporterFailure(string Exporter, string? CaptureId, string Message);

/// <summary>
/// Runs the exporters the caller selected, each in its own <see cref="SinkScope"/>: one that throws has its
/// half-written files removed, the others still run, and the failure is returned to the run (which then does not
/// commit the bundle: an incomplete bundle never replaces a complete one). Cancellation is let through.
/// </summary>
public sealed class CompositeExporter(IReadOnlyList<IReportExporter> exporters)
{
    public IReadOnlyList<IReportExporter> Exporters { get; } = exporters;

    /// <summary>Every exporter's files of one capture; the failures (empty when all succeeded).</summary>
    public IReadOnlyList<ExporterFailure> ExportCapture(CaptureResult capture, RunResult run, DirectorySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        List<ExporterFailure>? failures = null;
        foreach (var exporter in Exporters)
        {
            var scope = sink.Scope();
            try
            {
                exporter.ExportCapture(capture, run, scope, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                scope.Discard();
                (failures ??= []).Add(new ExporterFailure(exporter.Name, capture.Id, Describe(ex)));
            }
        }
        return failures ?? (IReadOnlyList<ExporterFailure>)[];
    }

    /// <summary>Every exporter's run-level files; the failures (empty when all succeeded).</summary>
    public IReadOnlyList<ExporterFailure> ExportRun(RunResult run, DirectorySink sink, CancellationToken cancellationToken)
    {
        List<ExporterFailure>? failures = null;
        foreach (var exporter in Exporters)
        {
            var scope = sink.Scope();
            try
            {
                exporter.ExportRun(run, scope, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                scope.Discard();
                (failures ??= []).Add(new ExporterFailure(exporter.Name, null, Describe(ex)));
            }
        }
        return failures ?? (IReadOnlyList<ExporterFailure>)[];
    }

    /// <summary>One line: the message, with the exception type when the message alone would not say what broke.</summary>
    private static string Describe(Exception ex)
    {
        string text = ex switch
        {
            IOException or UnauthorizedAccessException => ex.Message,
            OutOfMemoryException => "out of memory",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return text.ReplaceLineEndings(" ");
    }
}

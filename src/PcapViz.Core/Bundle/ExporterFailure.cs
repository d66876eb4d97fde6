namespace PcapViz.Bundle;

/// <summary>An exporter that failed: which one, for which capture (null: the run-level files), and why.</summary>
public sealed record ExporterFailure(string Exporter, string? CaptureId, string Message);

namespace PcapViz.Rendering.Pdf;

public enum PaperSize { A4, Letter }

/// <summary>Options of the PDF exporter (it owns them; Core knows no paper sizes).</summary>
/// <param name="Top">How many entries the charts and tables show.</param>
/// <param name="Paper">Paper size of every page.</param>
public sealed record PdfReportOptions(int Top = 20, PaperSize Paper = PaperSize.A4)
{
    public static PdfReportOptions Default { get; } = new();

    /// <summary>Zone in which times are shown (UTC by default; data files are always UTC).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
}

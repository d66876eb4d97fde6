namespace PcapViz.Rendering.Pdf;

/// <summary>Which captures get a full section in the run PDF (report.pdf); every capture keeps its own PDF in full.</summary>
public enum RunPdfDetail
{
    /// <summary>Every capture when the run has at most <see cref="PdfReportOptions.SummaryThreshold"/> captures, above that
    /// as <see cref="Summary"/>.</summary>
    Auto,

    /// <summary>A summary table of every capture, and a full section only for the captures that need a look: failed or
    /// partial, with issues, watchlist hits, signals or other warnings.</summary>
    Summary,

    /// <summary>Every capture in full, whatever the size of the run (the behaviour before summary mode).</summary>
    Full,
}

/// <summary>Paper of every page of the PDFs (`--paper`).</summary>
public enum PaperSize
{
    /// <summary>ISO A4, 210 × 297 mm (the default).</summary>
    A4,

    /// <summary>US Letter, 8.5 × 11 in.</summary>
    Letter,
}

/// <summary>Options of the PDF exporter (it owns them; Core knows no paper sizes).</summary>
/// <param name="Top">How many entries the charts and tables show.</param>
/// <param name="Paper">Paper size of every page.</param>
public sealed record PdfReportOptions(int Top = 20, PaperSize Paper = PaperSize.A4)
{
    /// <summary>Default <see cref="SummaryThreshold"/>: in <see cref="RunPdfDetail.Auto"/> mode a run of more than 25 captures gets a summary run PDF.</summary>
    public const int DefaultSummaryThreshold = 25;

    internal static PdfReportOptions Default { get; } = new();

    /// <summary>Zone in which times are shown (UTC by default; data files are always UTC).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Which captures the run PDF holds in full.</summary>
    public RunPdfDetail RunDetail { get; init; } = RunPdfDetail.Auto;

    /// <summary>Largest run whose PDF holds every capture in <see cref="RunPdfDetail.Auto"/> mode.</summary>
    public int SummaryThreshold { get; init; } = DefaultSummaryThreshold;

    /// <summary>Also write a one-page ticket.pdf for each capture (captures/&lt;id&gt;/ticket.pdf); the run's is always written.</summary>
    public bool TicketPerCapture { get; init; }

    /// <summary>Whether the run signs manifest.json (--sign-key): the ticket says so. The exporter cannot see it; the caller tells it.</summary>
    public bool ManifestSigned { get; init; }
}

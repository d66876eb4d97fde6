using System.Diagnostics;
using PcapViz.Export;
using PcapViz.Model;
using UglyToad.PdfPig;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

internal static class PdfTestKit
{
    public static byte[] RenderCapture(CaptureResult capture, PdfReportOptions? options = null)
    {
        using var ms = new MemoryStream();
        PdfReportRenderer.RenderCapture(capture, Fixtures.Info, options ?? Fixtures.Options(), ms);
        return ms.ToArray();
    }

    public static byte[] RenderRun(RunResult run, PdfReportOptions? options = null)
    {
        using var ms = new MemoryStream();
        PdfReportRenderer.RenderRun(run, options ?? Fixtures.Options(), ms);
        return ms.ToArray();
    }

    /// <summary>Text of each page as PdfPig reads it: its words in content order, joined by single spaces.</summary>
    public static List<string> PageTexts(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        return doc.GetPages().Select(p => string.Join(' ', p.GetWords().Select(w => w.Text))).ToList();
    }

    /// <summary>Where test artefacts go (PDFs and PNG pages to look at): bin/.../test-artifacts/pdf.</summary>
    public static string ArtifactDirectory
    {
        get
        {
            string dir = Path.Combine(AppContext.BaseDirectory, "test-artifacts", "pdf");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static string SaveArtifact(string name, byte[] pdf)
    {
        string path = Path.Combine(ArtifactDirectory, name + ".pdf");
        File.WriteAllBytes(path, pdf);
        return path;
    }

    public static string? FindPdftoppm()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, "pdftoppm");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Renders every page (or only <paramref name="page"/>) to PNG with poppler's pdftoppm; returns the PNG paths.</summary>
    public static IReadOnlyList<string> RasterizeToPng(string pdfPath, string pdftoppm, int dpi = 80, int? page = null)
    {
        string prefix = Path.ChangeExtension(pdfPath, null);
        foreach (string old in Directory.GetFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + "-*.png")) File.Delete(old);
        var psi = new ProcessStartInfo(pdftoppm) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (page is int p)
            foreach (string arg in new[] { "-f", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", p.ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(arg);
        foreach (string arg in new[] { "-png", "-r", dpi.ToString(System.Globalization.CultureInfo.InvariantCulture), pdfPath, prefix }) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("pdftoppm did not start");
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"pdftoppm failed ({process.ExitCode}) on {pdfPath}: {stderr}");
        Assert.True(stderr.Length == 0, $"pdftoppm complained about {pdfPath}: {stderr}");
        return Directory.GetFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + "-*.png").Order(StringComparer.Ordinal).ToList();
    }
}

/// <summary>Collects what an exporter writes, in memory.</summary>
internal sealed class MemorySink : IOutputSink
{
    public Dictionary<string, byte[]> Files { get; } = [];

    public Stream Create(string relativePath) => new Entry(this, relativePath);

    private sealed class Entry(MemorySink sink, string path) : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing) sink.Files[path] = ToArray();
            base.Dispose(disposing);
        }
    }
}

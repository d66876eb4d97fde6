using System.Text;

namespace PcapViz.Rendering.Html;

/// <summary>The plotly.js bundle that Plotly.NET ships as a resource of its assembly (never fetched from a CDN).</summary>
internal sealed class PlotlyAsset
{
    private static readonly Lazy<PlotlyAsset> Shared = new(Load);

    private PlotlyAsset(string version, byte[] bytes, byte[]? license)
    {
        Version = version;
        Bytes = bytes;
        License = license;
        Text = new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF');
        if (Text.Contains("</script", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("plotly.js contains '</script' and cannot be inlined.");
        CspHash = HtmlSafety.CspHash(Text);
    }

    public static PlotlyAsset Instance => Shared.Value;

    /// <summary>plotly.js version, for example "2.28.0".</summary>
    public string Version { get; }

    public byte[] Bytes { get; }

    public byte[]? License { get; }

    /// <summary>The script as text, for inlining.</summary>
    public string Text { get; }

    /// <summary>CSP hash source of <see cref="Text"/> when inlined.</summary>
    public string CspHash { get; }

    /// <summary>Bundle path of the shared copy, relative to the bundle root.</summary>
    public string RelativePath => $"assets/plotly-{Version}.min.js";

    private static PlotlyAsset Load()
    {
        var assembly = typeof(Plotly.NET.GenericChart).Assembly;
        const string prefix = "Plotly.NET.plotly-";
        const string suffix = ".min.js";
        string name = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(suffix, StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal)
            .LastOrDefault() ?? throw new InvalidOperationException("Plotly.NET does not carry a plotly.js resource.");
        string version = name[prefix.Length..^suffix.Length];
        return new PlotlyAsset(version, ReadAll(assembly, name)!, ReadAll(assembly, name + ".LICENSE.txt"));
    }

    private static byte[]? ReadAll(System.Reflection.Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}

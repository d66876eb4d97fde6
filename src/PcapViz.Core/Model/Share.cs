using System.Globalization;

namespace PcapViz.Model;

/// <summary>
/// A part of a whole, as every output shows it: the one place a share is divided and printed (docs/report-view.md).
/// </summary>
/// <param name="Part">The counted part (packets of one address, queries of one name, IP bytes of one flow …).</param>
/// <param name="Whole">What it is a share of; a share of nothing is shown as "–".</param>
public readonly record struct Share(long Part, long Whole)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Part ÷ whole; null when the whole is zero or less.</summary>
    public double? Fraction => Whole <= 0 ? null : Part / (double)Whole;

    /// <summary>"12.34 %" (two decimals), "100 %" for the whole, "–" for a share of nothing: pages, PDFs and highlights.</summary>
    public string Percent => Fraction is double f ? (100 * f).ToString(Part == Whole ? "0" : "0.00", Inv) + " %" : "–";

    /// <summary>The fraction with up to six decimals ("0.123457"), "0" for a share of nothing: CSV cells.</summary>
    public string Fractional => Fraction is double f ? f.ToString("0.######", Inv) : "0";
}

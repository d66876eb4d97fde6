namespace PcapViz.Tests;

/// <summary>docs/report-view.md: the one division and the two formats of a share.</summary>
public sealed class ShareTests
{
    [Theory]
    [InlineData(1, 3, "33.33 %", "0.333333")]
    [InlineData(2, 3, "66.67 %", "0.666667")]
    [InlineData(78, 103, "75.73 %", "0.757282")]
    [InlineData(0, 7, "0.00 %", "0")]
    [InlineData(7, 7, "100 %", "1")]
    [InlineData(9_999, 10_000, "99.99 %", "0.9999")]
    [InlineData(99_999, 100_000, "100.00 %", "0.99999")]
    [InlineData(0, 0, "–", "0")]
    public void Share_PercentForPagesFractionalForCsv(long part, long whole, string percent, string fractional)
    {
        var share = new Share(part, whole);
        Assert.Equal(percent, share.Percent);
        Assert.Equal(fractional, share.Fractional);
        Assert.Equal(whole == 0 ? null : part / (double)whole, share.Fraction);
    }
}

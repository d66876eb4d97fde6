using System.Globalization;

namespace PcapViz.Tests;

/// <summary>Messages and times never take the machine's culture (docs/output.md, "Reproducible").</summary>
public sealed class InvariantFormattingTests
{
    private static T Under<T>(string culture, Func<T> action)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            return action();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("ar-SA")]
    [InlineData("fr-CH")]
    public void IssueMessages_InterpolatedUnderAnotherCulture_FormattedInvariant(string culture)
    {
        // The precondition that makes this test able to fail: the culture really formats differently (ICU present).
        Assert.NotEqual("1,000,000", Under(culture, () => $"{1_000_000:N0}"));
        var issues = Under(culture, () =>
        {
            var log = new IssueLog();
            long offset = 1_000_000;
            double ratio = 0.5;
            log.Warn("w", $"Record {offset:N0} at {ratio} and {-5}");
            log.Error("e", $"Byte offset {offset:N0}", offset);
            for (int i = 0; i < IssueLog.MaxPerCode + 1001; i++) log.Warn("many", "x");
            return log.ToList();
        });
        Assert.Equal("Record 1,000,000 at 0.5 and -5", issues[0].Message);
        Assert.Equal("Byte offset 1,000,000", issues[1].Message);
        Assert.Contains(issues, i => i.Message == "1001 more issues with code 'many' are not listed (1021 in all).");
    }

    [Fact]
    public void TimeFormat_UnderArabicAndTurkishCultures_SameTextAsInvariant()
    {
        static string Texts() => string.Join("|",
            TimeFormat.Duration(3725.5), TimeFormat.Duration(12.25), TimeFormat.Duration(200_000),
            TimeFormat.BinWidth(300), TimeFormat.Display(-1_500_000_000, TimeZoneInfo.Utc), TimeFormat.IsoUtcMicros(Kit.Jan2024Nanos + 5),
            TimeFormat.ZoneLabel(TimeZoneInfo.FindSystemTimeZoneById("America/St_Johns"), Kit.Jan2024Seconds, Kit.Jan2024Seconds + 200 * 86400));
        string invariant = Under("", Texts);
        Assert.Equal("1 h 02 min|12.2 s|2 d 07 h|5 min|1969-12-31 23:59:58.500000 +00:00|2024-01-01T00:00:00.000000Z|America/St_Johns (UTC-03:30, -02:30)", invariant);
        foreach (string culture in new[] { "ar-SA", "tr-TR", "de-DE", "fa-IR" })
            Assert.Equal(invariant, Under(culture, Texts));
    }
}

using System.Diagnostics;
using System.Globalization;
using PcapViz.Generator;
using PcapViz.Slicing;

namespace PcapViz.Tests;

/// <summary>
/// docs/output.md, "Reproducible": the machine's locale and time zone never change a byte. The same inputs
/// are reported under the invariant culture in UTC and under other cultures with TZ=Asia/Kolkata; every file of
/// the bundle (JSON, CSV, PDF, manifest, and HTML, whose generation time is fixed by SOURCE_DATE_EPOCH) must be
/// identical. The inputs make the run print big numbers, negative epochs, durations, offsets and issue messages.
/// </summary>
public sealed class CultureAndZoneTests
{
    private static readonly string[] Options = ["--timezone", "Europe/Berlin", "--max-distinct", "10", "-q"];

    /// <summary>Samples, a capture cut short (issue messages with byte offsets past 1,000), one with packets stamped 1970, August 2024 and 2106, and a text file.</summary>
    private static string Inputs(TempDir t)
    {
        string input = t.Dir("in");
        Captures.Samples(input);
        byte[] whole = File.ReadAllBytes(Path.Combine(input, "office-lan.pcap"));
        File.WriteAllBytes(Path.Combine(input, "cut.pcap"), whole[..(whole.Length / 2 + 7)]);
        using (var file = File.Create(Path.Combine(input, "far-times.pcapng")))
        using (var w = new PcapNgWriter(file))
        {
            int ns = w.AddInterface(1, tsResolution: 9);
            long[] stamps = [1_500_000_000L, 5_000_000_000L, 1_723_111_200_000_000_000L, 1_723_111_201_500_000_000L, 4_294_967_295_000_000_000L];
            foreach (long nanos in stamps)
                w.WriteEnhancedPacket(ns, nanos, new FrameBuilder().Ethernet().IPv4("192.0.2.9", "192.0.2.10").Udp(53000, 53).Payload(new byte[30]).Build());
        }
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a capture");
        return input;
    }

    /// <summary>Runs the CLI in-process with this culture as current (UI) culture and TZ set, both restored afterwards.</summary>
    private static CliResult RunUnder(CultureInfo culture, string tz, params string[] args)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture, CultureInfo.DefaultThreadCurrentCulture, CultureInfo.DefaultThreadCurrentUICulture);
        string? savedTz = Environment.GetEnvironmentVariable("TZ");
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = culture; // worker threads too
            Environment.SetEnvironmentVariable("TZ", tz);
            TimeZoneInfo.ClearCachedData();
            Assert.Equal(tz == "UTC" ? TimeSpan.Zero : TimeSpan.FromHours(5.5), TimeZoneInfo.Local.BaseUtcOffset);
            return Cli.Run(args);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture, CultureInfo.DefaultThreadCurrentCulture, CultureInfo.DefaultThreadCurrentUICulture) = saved;
            Environment.SetEnvironmentVariable("TZ", savedTz);
            TimeZoneInfo.ClearCachedData();
        }
    }

    /// <summary>What a culture-dependent format would print; differs from the invariant culture's for every culture tested.</summary>
    private static string Probe(CultureInfo c) =>
        string.Join("|", 1_234_567.5.ToString("N1", c), (-5).ToString(c), "TITLE".ToLower(c), new DateTime(2024, 8, 8, 13, 5, 0).ToString(c));

    [Theory]
    [InlineData("de-DE")]
    [InlineData("tr-TR")]
    [InlineData("ar-SA")]
    public void Report_UnderAnotherCultureAndKolkataTime_EveryOutputByteAsUnderInvariantCultureInUtc(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        // The test can fail only if the culture really formats differently here (ICU present, not invariant mode).
        Assert.NotEqual(Probe(CultureInfo.InvariantCulture), Probe(culture));
        using var t = new TempDir();
        string input = Inputs(t);

        var reference = RunUnder(CultureInfo.InvariantCulture, "UTC", ["report", input, "-o", t["invariant"], .. Options]);
        Assert.True(reference.ExitCode == 2, reference.ToString()); // the cut capture is partial
        var foreign = RunUnder(culture, "Asia/Kolkata", ["report", input, "-o", t["foreign"], .. Options]);
        Assert.True(foreign.ExitCode == 2, foreign.ToString());

        var a = Bundle.Snapshot(t["invariant"]);
        var b = Bundle.Snapshot(t["foreign"]);
        Assert.Contains("manifest.json", a.Keys);
        Assert.Contains("report.pdf", a.Keys);
        Assert.Contains(a.Keys, k => k.EndsWith("/traffic.csv", StringComparison.Ordinal));
        Assert.Contains(a.Keys, k => k.EndsWith("/report.html", StringComparison.Ordinal));
        Bundle.AssertIdentical(a, b);
        // The inputs did exercise culture-sensitive text: thousands separators in issue messages.
        string cut = System.Text.Encoding.UTF8.GetString(a.Single(kv => kv.Key.StartsWith("captures/cut-pcap", StringComparison.Ordinal) && kv.Key.EndsWith("analysis.json", StringComparison.Ordinal)).Value);
        Assert.Matches(@"byte offset \d{1,3}(,\d{3})+", cut);
    }

    [Fact]
    public void Report_ChildProcessWithGermanLocaleEnvironmentAndKolkataTime_SameBytesAsCLocaleInUtc()
    {
        using var t = new TempDir();
        string input = Inputs(t);
        CliResult Child(string output, params (string Key, string Value)[] env)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Cli.DllPath);
            foreach (string a in new[] { "report", input, "-o", output }.Concat(Options)) psi.ArgumentList.Add(a);
            psi.Environment["SOURCE_DATE_EPOCH"] = Cli.Epoch;
            psi.Environment.Remove("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT");
            foreach (var (k, v) in env) psi.Environment[k] = v;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return new CliResult(p.ExitCode, stdout.Result, stderr);
        }
        var c = Child(t["c"], ("LANG", "C"), ("LC_ALL", "C"), ("TZ", "UTC"));
        Assert.True(c.ExitCode == 2, c.ToString());
        var de = Child(t["de"], ("LANG", "de_DE.UTF-8"), ("LC_ALL", "de_DE.UTF-8"), ("TZ", "Asia/Kolkata"));
        Assert.True(de.ExitCode == 2, de.ToString());
        Bundle.AssertIdentical(Bundle.Snapshot(t["c"]), Bundle.Snapshot(t["de"]));
    }
}

using PcapViz.Export;
using PcapViz.Generator;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>A result whose bulky parts wait on disk reads back exactly as it was, and only while the run lasts.</summary>
public sealed class CaptureSpillTests
{
    private static CaptureResult Sample(TempDirectory t, string name)
    {
        string path = t.File(name);
        using (var file = File.Create(path)) SampleCaptures.Write(name, file);
        return CaptureAnalyzer.Analyze(path, name, name.Replace('.', '-'), new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
    }

    private static byte[] Json(CaptureResult capture) => Kit.AnalysisJson(capture);

    [Fact]
    public void Keep_BeyondTheBudget_SpillsAndReadsBackTheSameResult()
    {
        using var t = new TempDirectory();
        var first = Sample(t, "office-lan.pcap");
        var second = Sample(t, SampleCaptures.FileNames.First(n => n != "office-lan.pcap"));
        Assert.True(first.Weight > 100 && second.Weight > 100);
        string spillDir = t.File("spill");
        using var spill = new CaptureSpill(spillDir, "test", budget: first.Weight);

        var keptFirst = spill.Keep(first);
        var keptSecond = spill.Keep(second);

        Assert.Same(first, keptFirst); // within the budget: held as it is
        Assert.True(keptSecond.IsSpilled);
        Assert.Equal(0, keptSecond.Weight);
        Assert.Equal(1, spill.SpilledCount);
        Assert.Single(Directory.GetFiles(spillDir));
        // Every part reads back as analysed, and so does the result as a whole.
        Assert.Equal(Json(second), Json(keptSecond));
        Assert.Equal(second.SourceIps.Entries, keptSecond.SourceIps.Entries);
        Assert.Equal(second.Traffic.Bins, keptSecond.Traffic.Bins);
        Assert.Equal(second.Summary, keptSecond.Summary);
        var held = keptSecond.Held();
        Assert.False(held.IsSpilled);
        Assert.Equal(Json(second), Json(held));
    }

    [Fact]
    public void With_OnASpilledResult_BringsTheOtherPartsBackIntoMemory()
    {
        using var t = new TempDirectory();
        var capture = Sample(t, "office-lan.pcap");
        using var spill = new CaptureSpill(t.File("spill"), "test", budget: 0);
        var spilled = spill.Keep(capture);
        Assert.True(spilled.IsSpilled);

        var changed = spilled with { Traffic = TrafficResult.Empty };

        Assert.False(changed.IsSpilled);
        Assert.Empty(changed.Traffic.Bins);
        Assert.Equal(capture.SourceIps.Entries, changed.SourceIps.Entries);
        Assert.Equal(capture.DnsQueries.Entries, changed.DnsQueries.Entries);
        Assert.Equal(Json(capture with { Traffic = TrafficResult.Empty }), Json(changed));
    }

    [Fact]
    public void Dispose_RemovesTheSpillAndLaterReadsSayWhy()
    {
        using var t = new TempDirectory();
        var capture = Sample(t, "office-lan.pcap");
        string dir = t.File("spill");
        var spill = new CaptureSpill(dir, "test", budget: 0);
        var spilled = spill.Keep(capture);
        Assert.True(Directory.Exists(dir));

        spill.Dispose();

        Assert.False(Directory.Exists(dir));
        var ex = Assert.Throws<InvalidOperationException>(() => spilled.SourceIps);
        Assert.Contains(capture.Id, ex.Message, StringComparison.Ordinal);
        // The small parts stay in memory: the final summary of a run still has them.
        Assert.Equal(capture.Summary, spilled.Summary);
        Assert.Equal(capture.Status, spilled.Status);
    }
}

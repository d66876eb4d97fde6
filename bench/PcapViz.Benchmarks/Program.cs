using BenchmarkDotNet.Running;
using PcapViz.Benchmarks;

// pcapviz-bench bdn [BenchmarkDotNet args]   the component suite (reader, decoder, each analysis)
// pcapviz-bench profile FILE [PARALLELISM...] stage-by-stage timings of one file (profile before optimising)
// pcapviz-bench analyze FILE PARALLELISM     one CaptureAnalyzer.Analyze call, prints seconds (for 1 vs N cores)
// pcapviz-bench merge-fixture PLAN WORKDIR   every shard of a plan, in-process (bench/merge-cost.sh times the merge)
// pcapviz-bench many DIR COUNT [PACKETS]      COUNT small synthetic captures (seeds 1..COUNT) in DIR/part-NN/ (bench/many-captures.sh)
// pcapviz-bench heavy DIR COUNT [PACKETS]     COUNT captures near the distinct-key limit (bench/many-captures.sh, HEAVY=N)
if (args.Length >= 1 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(BenchData).Assembly).Run(args[1..]);
    return 0;
}
if (args.Length >= 2 && args[0] == "profile")
    return Profile.Run(args[1], args.Length > 2 ? args[2..].Select(int.Parse).ToArray() : [1, 2]);
if (args.Length == 3 && args[0] == "analyze")
    return Profile.AnalyzeOnce(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
if (args.Length == 3 && args[0] == "merge-fixture")
    return MergeFixture.Run(args[1], args[2]);
if (args.Length is 3 or 4 && args[0] == "many")
    return ManyCaptures.Write(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
        args.Length == 4 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 200);
if (args.Length is 3 or 4 && args[0] == "heavy")
    return ManyCaptures.WriteHeavy(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
        args.Length == 4 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 600_000);
Console.Error.WriteLine("usage: pcapviz-bench bdn [--filter *] | profile FILE [P...] | analyze FILE P | merge-fixture PLAN WORKDIR | many DIR COUNT [PACKETS] | heavy DIR COUNT [PACKETS]");
return 1;

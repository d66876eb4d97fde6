using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using PcapViz.Fuzz;

// pcapviz-fuzz [--seconds N] [--execs N] [--seed S] [--corpus DIR]... [--findings DIR] [--target capture|dns|all]
//
// Coverage-guided fuzzing of the capture reader (pcap, pcapng, gzip), the packet decoder and the DNS parser, in
// process: PcAPViz.Core is instrumented with SharpFuzz (edge coverage into a 64 KiB map, as AFL does) and a
// mutation loop keeps every input that reaches a new edge or hit-count bucket. A finding is any exception escaping
// the reader/decoder/analyses (they must never throw on bad input), a broken invariant (traffic bins must add up
// to the packets counted) or one input taking longer than --hang-seconds. Exit codes: 0 nothing found, 1 findings
// (written to --findings), 2 usage error.
//
// The process first copies itself to a temporary directory, instruments the copy of PcapViz.Core.dll there and
// runs the copy (so the build output is never modified); PCAPVIZ_FUZZ_INSTRUMENTED marks the instrumented child.
if (Environment.GetEnvironmentVariable("PCAPVIZ_FUZZ_INSTRUMENTED") != "1")
    return Launcher.RunInstrumented(args);
return Entry(args);

[MethodImpl(MethodImplOptions.NoInlining)]
static int Entry(string[] args)
{
    var options = FuzzOptions.Parse(args, Console.Error);
    if (options is null) return 2;
    var fuzzer = new Fuzzer(options, Console.Out);
    return fuzzer.Run();
}

namespace PcapViz.Fuzz
{
    internal static class Launcher
    {
        public static int RunInstrumented(string[] args)
        {
            string source = AppContext.BaseDirectory;
            string copy = Path.Combine(Path.GetTempPath(), "pcapviz-fuzz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(copy);
            try
            {
                foreach (string file in Directory.EnumerateFiles(source))
                    File.Copy(file, Path.Combine(copy, Path.GetFileName(file)), overwrite: true);
                string core = Path.Combine(copy, "PcapViz.Core.dll");
                // Only the namespaces under test: the reader, the decoders and the analyses (which call the DNS parser).
                SharpFuzz.Fuzzer.Instrument(core, type => type.StartsWith("PcapViz.Reading.", StringComparison.Ordinal) ||
                                                          type.StartsWith("PcapViz.Decoding.", StringComparison.Ordinal) ||
                                                          type.StartsWith("PcapViz.Analysis.", StringComparison.Ordinal),
                    SharpFuzz.Options.Value);
                var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
                psi.ArgumentList.Add(Path.Combine(copy, "pcapviz-fuzz.dll"));
                foreach (string a in args) psi.ArgumentList.Add(a);
                psi.Environment["PCAPVIZ_FUZZ_INSTRUMENTED"] = "1";
                using var child = Process.Start(psi)!;
                child.WaitForExit();
                return child.ExitCode;
            }
            finally
            {
                try { Directory.Delete(copy, recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace PcapViz.Generator;

/// <summary>The <c>pcapviz-gen</c> command line: a hand-written parser over two commands.</summary>
public static class GeneratorCommandLine
{
    internal const int Success = 0;
    internal const int UsageError = 1;

    internal const string Help = """
        pcapviz-gen - deterministic packet captures for PcapViz tests, samples and benchmarks

        Usage:
          pcapviz-gen samples <dir>
              Write the sample captures (pcap, nanosecond big-endian pcap, two-interface pcapng,
              gzip pcap) into <dir>, creating it if needed. Same bytes on every run.

          pcapviz-gen synth --packets N -o FILE [--format pcap|pcapng] [--gzip] [--seed S] [--duration SECONDS]
              Stream a large synthetic Ethernet capture in constant memory.
                --packets N         number of packets (required)
                -o, --output FILE   file to write (required; overwritten)
                --format F          pcap (default, microseconds) or pcapng (nanosecond timestamps)
                --gzip              gzip the output (fastest compression level)
                --seed S            PRNG seed (default 1); same seed, same bytes
                --duration SECONDS  span of the timestamps (default 3600)

          pcapviz-gen distinct --queries N -o FILE [--seed S] [--responses]
              The worst case for per-key state: N DNS queries over UDP, each from a source address of
              its own and for a name of its own (2N distinct keys); --responses answers each one.

          pcapviz-gen --help

        Exit codes: 0 success, 1 usage error (message on stderr).
        """;

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            return Usage(stderr, "no command given");
        }

        switch (args[0])
        {
            case "-h" or "--help" or "help":
                stdout.Write(Help);
                return Success;
            case "samples":
                if (args.Length != 2 || args[1].StartsWith('-'))
                {
                    return Usage(stderr, "samples takes exactly one argument, the output directory");
                }

                var written = SampleCaptures.WriteAll(args[1]);
                foreach (var path in written)
                {
                    stdout.WriteLine(path);
                }

                return Success;
            case "synth":
                return Synth(args[1..], stdout, stderr);
            case "distinct":
                return Distinct(args[1..], stdout, stderr);
            default:
                return Usage(stderr, $"unknown command '{args[0]}'");
        }
    }

    private static int Synth(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new SyntheticTrafficOptions();
        long? packets = null;
        string? output = null;
        var errors = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Length)
                {
                    return args[++i];
                }

                errors.Add($"{arg} needs a value");
                return null;
            }

            switch (arg)
            {
                case "--packets":
                    if (Value() is string p)
                    {
                        if (long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                        {
                            packets = n;
                        }
                        else
                        {
                            errors.Add($"--packets: '{p}' is not a non-negative integer");
                        }
                    }

                    break;
                case "-o" or "--output":
                    output = Value();
                    break;
                case "--format":
                    switch (Value())
                    {
                        case "pcap":
                            options = options with { Format = CaptureFormat.Pcap };
                            break;
                        case "pcapng":
                            options = options with { Format = CaptureFormat.PcapNg };
                            break;
                        case string f:
                            errors.Add($"--format: '{f}' is not pcap or pcapng");
                            break;
                    }

                    break;
                case "--gzip":
                    options = options with { Gzip = true };
                    break;
                case "--seed":
                    if (Value() is string s)
                    {
                        if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
                        {
                            options = options with { Seed = seed };
                        }
                        else
                        {
                            errors.Add($"--seed: '{s}' is not a non-negative integer");
                        }
                    }

                    break;
                case "--duration":
                    if (Value() is string d)
                    {
                        if (double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0 && double.IsFinite(seconds))
                        {
                            options = options with { DurationSeconds = seconds };
                        }
                        else
                        {
                            errors.Add($"--duration: '{d}' is not a non-negative number of seconds");
                        }
                    }

                    break;
                default:
                    errors.Add($"unknown option '{arg}'");
                    break;
            }
        }

        if (UsageErrors(stderr, errors, (packets is null, "--packets"), (output is null, "-o FILE")) is int failed)
        {
            return failed;
        }

        options = options with { Packets = packets!.Value };
        var stopwatch = Stopwatch.StartNew();
        SyntheticTraffic.WriteFile(output!, options);
        stopwatch.Stop();
        double seconds2 = Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{output}: {options.Packets} packets, {new FileInfo(output!).Length} bytes in {stopwatch.Elapsed.TotalSeconds:F2} s ({options.Packets / seconds2:F0} packets/s)"));
        return Success;
    }

    private static int Distinct(string[] args, TextWriter stdout, TextWriter stderr)
    {
        int? queries = null;
        string? output = null;
        ulong seed = 1;
        bool responses = false;
        var errors = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = arg is "--queries" or "-o" or "--output" or "--seed" ? (i + 1 < args.Length ? args[++i] : null) : null;
            switch (arg)
            {
                case "--queries" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n):
                    queries = n;
                    break;
                case "--seed" when value is not null && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s):
                    seed = s;
                    break;
                case "-o" or "--output" when value is not null:
                    output = value;
                    break;
                case "--responses":
                    responses = true;
                    break;
                case "--queries" or "--seed" or "-o" or "--output":
                    errors.Add(value is null ? $"{arg} needs a value" : $"{arg}: '{value}' is not a non-negative integer");
                    break;
                default:
                    errors.Add($"unknown option '{arg}'");
                    break;
            }
        }

        if (UsageErrors(stderr, errors, (queries is null, "--queries"), (output is null, "-o FILE")) is int failed)
        {
            return failed;
        }

        DistinctTraffic.WriteFile(output!, queries!.Value, seed, responses);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{output}: {queries} queries, {new FileInfo(output!).Length} bytes"));
        return Success;
    }

    /// <summary>
    /// Adds "… is required" for each option that is <c>Missing</c>, then reports every error at once: the usage exit
    /// code, or null when there is none and the command can run.
    /// </summary>
    private static int? UsageErrors(TextWriter stderr, List<string> errors, params (bool Missing, string Option)[] required)
    {
        foreach (var (missing, option) in required)
        {
            if (missing)
            {
                errors.Add($"{option} is required");
            }
        }

        return errors.Count > 0 ? Usage(stderr, string.Join(Environment.NewLine + "pcapviz-gen: ", errors)) : null;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"pcapviz-gen: {message}");
        stderr.WriteLine("Run 'pcapviz-gen --help' for usage.");
        return UsageError;
    }
}

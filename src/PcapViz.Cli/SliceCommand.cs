using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using PcapViz.Model;
using PcapViz.Pseudonymisation;
using PcapViz.Slicing;

namespace PcapViz.Cli;

/// <summary>`pcapviz slice`: the packets of every flow that touched an indicator, cut from a bundle's original captures.</summary>
internal static partial class SliceCommand
{
    public const string ExitCodeHelp = """
        Exit codes:
          0    the slice holds every packet of every flow that touched an indicator
          1    usage error, no readable manifest, a pseudonymised bundle without --pseudonymise or with a key that is not
               its own, or the slice cannot be written
          2    a capture the manifest lists is missing or changed (SHA-256 differs): nothing was written
          3    no packet matched: no file was written
          4    a slice was written but is incomplete: a capture ended early (truncated or corrupt; the packets
               before the fault are in it) or the slice reached --max-slice-bytes; the slice's section comment
               and stderr say which
        """;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var bundle = new Argument<string[]>("bundle")
        {
            Description = "Bundle directory (the one holding manifest.json), then optionally the input roots, when the captures are not where the manifest's roots point (as for 'verify --inputs').",
            Arity = ArgumentArity.OneOrMore,
        };
        var indicators = new Option<string[]>("--indicator", "-i")
        {
            Description = "Address, CIDR range, Community ID (1:<base64>) or DNS name (repeatable). A name matches itself and its subdomains in DNS questions and answers, TLS/QUIC server names and HTTP Host headers.",
            Required = true,
        };
        var from = new Option<string?>("--from") { Description = "Only packets at or after this time: ISO 8601 with Z or an offset, e.g. 2024-05-01T22:00:00Z." };
        var to = new Option<string?>("--to") { Description = "Only packets before this time (ISO 8601 with Z or an offset)." };
        var output = new Option<string>("--output", "-o") { Description = "The pcapng file to write (replaced only when the slice is written).", Required = true };
        var maxBytes = new Option<long>("--max-slice-bytes")
        {
            Description = "Bound on the slice's packet blocks in bytes; the packet that would pass it and all after it are left out, and the slice says so (exit 4). Default 104857600 (100 MiB).",
            DefaultValueFactory = _ => SliceSelection.DefaultMaxBytes,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors and warnings." };
        var pseudonymise = new Option<string?>("--pseudonymise")
        {
            Description = "Slice a pseudonymised bundle: the key file it was made with (checked against the manifest's key id). The indicators are " +
                          "then the pseudonyms the bundle shows (addresses, ranges, Community IDs, names), and every packet is written rewritten: " +
                          "its IP addresses replaced by the same pseudonyms (inner and quoted headers too), link-layer addresses by keyed ones, " +
                          "checksums updated, and the payload past the transport header removed (docs/output.md, \"Slices of a pseudonymised bundle\").",
            HelpName = "keyfile",
        };
        var keepPayload = new Option<bool>("--keep-payload")
        {
            Description = "With --pseudonymise: keep the packets' payload. It can hold the original names and addresses (DNS, HTTP Host, TLS server name, SIP …): not for sharing.",
        };
        var command = new Command("slice", $"""
            Write the packets of every flow that touched an indicator into one pcapng, cut from the original captures the
            bundle's manifest lists (each SHA-256 checked first). A flow is a bidirectional transport 5-tuple (ICMP paired
            as Community ID pairs it; other protocols by address pair and protocol). Packets of a plain bundle are byte for
            byte the originals, each with a comment naming its capture and packet number; the section comment lists the
            captures' SHA-256. A pseudonymised bundle is sliced with --pseudonymise and its key: the packets are then written
            with the bundle's pseudonyms in place of their addresses.

            {ExitCodeHelp}
            """) { bundle, indicators, from, to, output, maxBytes, pseudonymise, keepPayload, quiet };
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var parsed = new List<SliceIndicator>();
            foreach (string value in parse.GetValue(indicators) ?? [])
            {
                if (SliceIndicator.TryParse(value, out string? error) is { } indicator) parsed.Add(indicator);
                else errors.Add($"--indicator: {error}");
            }
            var fromTime = Time(parse.GetValue(from), "--from", errors);
            var toTime = Time(parse.GetValue(to), "--to", errors);
            if (fromTime is not null && toTime is not null && fromTime >= toTime) errors.Add("--from must be before --to.");
            long bound = parse.GetValue(maxBytes);
            CheckBound(bound, errors);
            string target = parse.GetValue(output)!;
            if (Directory.Exists(target)) errors.Add($"--output: '{target}' is a directory; name the pcapng file to write.");
            var paths = parse.GetValue(bundle) ?? [];
            var key = parse.GetValue(pseudonymise) is { } keyPath ? PseudonymiseOption.Load(keyPath, errors) : null;
            if (parse.GetValue(keepPayload) && parse.GetValue(pseudonymise) is null) errors.Add("--keep-payload needs --pseudonymise (a plain slice keeps every byte).");
            if (errors.Count > 0)
            {
                foreach (string e in errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
                stderr.WriteLine("Run 'pcapviz slice --help' for the options.");
                return SliceExitCodes.Failed;
            }
            var selection = new SliceSelection(parsed) { From = fromTime, To = toTime, MaxBytes = bound };
            using var pseudonymiser = key is null ? null : new Pseudonymiser(key);
            var outcome = BundleSlicer.Run(new BundleSliceRequest(paths[0], selection, target, CliApp.ToolVersion)
            {
                Roots = paths[1..],
                Pseudonymisation = pseudonymiser is null ? null : new SlicePseudonymisation(pseudonymiser) { KeepPayload = parse.GetValue(keepPayload) },
            });
            foreach (string e in outcome.Errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
            if (outcome.Status == SliceStatus.InputsChanged) stderr.WriteLine("pcapviz: nothing was written: the captures are not the ones the bundle was made from.");
            if (outcome.Result is { } result)
            {
                if (result.SizeBoundReached)
                    stderr.WriteLine(Invariant.Text($"pcapviz: warning: the slice reached --max-slice-bytes ({bound:N0} bytes): later packets of the matching flows are not in it."));
                foreach (string problem in result.Problems) stderr.WriteLine($"pcapviz: warning: {Terminal.Safe(problem)}");
                if (outcome.Status == SliceStatus.NothingMatched)
                    stderr.WriteLine("pcapviz: no packet matched the indicators; no file was written.");
                else if (!parse.GetValue(quiet))
                    stdout.WriteLine(Invariant.Text($"Wrote {Terminal.Safe(Path.GetFullPath(target))}: {Names.Count(result.Packets, "packet")} of {Names.Count(result.Flows, "flow")} ({Names.Count(result.PacketBytes, "byte")} of packet blocks){(result.Complete ? "" : ", INCOMPLETE")}."));
            }
            return SliceExitCodes.For(outcome.Status);
        });
        return command;
    }

    private static void CheckBound(long bound, List<string> errors)
    {
        if (bound < 1024) errors.Add($"--max-slice-bytes: {bound.ToString(CultureInfo.InvariantCulture)} is below 1024.");
    }

    /// <summary>`report --slices` and its --max-slice-bytes: the options, or null without --slices.</summary>
    public static SliceOptions? ReportSlices(ParseResult parse, Option<bool> slices, Option<long> maxBytes, List<string> errors)
    {
        if (!parse.GetValue(slices))
        {
            if (parse.GetResult(maxBytes) is { Implicit: false }) errors.Add("--max-slice-bytes needs --slices.");
            return null;
        }
        long bound = parse.GetValue(maxBytes);
        CheckBound(bound, errors);
        return new SliceOptions(bound);
    }

    /// <summary>An ISO 8601 time that names its zone (Z or an offset): a time without one would depend on the machine.</summary>
    private static DateTimeOffset? Time(string? text, string option, List<string> errors)
    {
        if (text is null) return null;
        if (ZoneSuffix().IsMatch(text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) && text.Contains('T', StringComparison.Ordinal))
            return value;
        errors.Add($"{option}: '{text}' is not an ISO 8601 time with Z or an offset, such as 2024-05-01T22:00:00Z or 2024-05-02T00:00:00+02:00.");
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex ZoneSuffix();
}

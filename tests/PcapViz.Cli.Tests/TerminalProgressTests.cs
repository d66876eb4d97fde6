using System.Diagnostics;
using System.Text;

namespace PcapViz.Tests;

/// <summary>
/// The live progress bar in a real pseudo-terminal (util-linux `script`, 100 columns): what stays on the screen is
/// replayed by a small terminal model (<see cref="TerminalScreen"/>), so a message that shared a line with the bar,
/// or a bar left behind, shows as it would to a person.
/// </summary>
public sealed class TerminalProgressTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    private const int Columns = 100;

    [Fact]
    public async Task Report_OnATerminal_MessagesArePrintedAboveTheBarAndTheRenderPhaseHasItsOwnCount()
    {
        TestEnvironment.Require(File.Exists("/usr/bin/script"), "util-linux `script` (Debian bsdutils) is not installed.");
        // Long names: the files being read are shown beside the bar.
        string input = _t.Dir("in");
        Captures.Samples(input);
        foreach (string f in Directory.GetFiles(input))
            File.Move(f, Path.Combine(input, "night-of-2024-03-01-from-the-branch-office-sensor-" + Path.GetFileName(f)));
        int captures = Directory.GetFiles(input).Length + 1;
        byte[] whole = File.ReadAllBytes(Path.Combine(input, "night-of-2024-03-01-from-the-branch-office-sensor-office-lan.pcap"));
        File.WriteAllBytes(Path.Combine(input, "cut.pcap"), whole[..100]);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a capture");
        string output = _t["out"];

        var (exit, raw) = await RunInTerminal(TimeSpan.FromMinutes(3), "report", input, "-o", output, "-v");

        var screen = TerminalScreen.Replay(raw, Columns);
        string shown = string.Join('\n', screen);
        Assert.True(exit == 2, $"exit {exit}\n{shown}");
        // The bar is gone at the end and never shared a line with a message: no bar glyph is left anywhere.
        Assert.DoesNotContain(screen, l => l.Contains('━', StringComparison.Ordinal));
        // Messages printed while the bar was live start at the first column and are whole.
        string error = Assert.Single(screen, l => l.Contains("Record 0 at byte offset", StringComparison.Ordinal));
        Assert.StartsWith("cut.pcap: ", error, StringComparison.Ordinal);
        Assert.Contains(screen, l => l.StartsWith("Skipped notes.txt: ", StringComparison.Ordinal));
        Assert.Equal(captures, screen.Count(l => l.StartsWith("rendered ", StringComparison.Ordinal)));
        // While rendering, the bar counted the captures rendered (drawn under every message of that phase).
        // One line per task (reading, rendering) plus the blank line under them: the live display never takes more, so
        // no column was squeezed onto further lines, however long the names of the files being read.
        int mostLinesUp = System.Text.RegularExpressions.Regex.Matches(raw, @"\u001b\[(\d+)A").Max(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(mostLinesUp <= 3, $"the live display took {mostLinesUp} lines");
        string plain = TerminalScreen.WithoutEscapes(raw);
        Assert.Contains($"rendering {captures} captures", plain, StringComparison.Ordinal);
        Assert.Contains($"{captures}/{captures} read", plain, StringComparison.Ordinal);
        // The final lines: what was written, then the files that need a look, by name.
        var last = screen.Where(l => l.Length > 0).TakeLast(2).ToArray();
        Assert.StartsWith($"Wrote {output}: {captures} captures ({captures - 1} ok, 1 partial, 0 failed), ", last[0], StringComparison.Ordinal);
        Assert.EndsWith(" packets, 1 file skipped.", last[0], StringComparison.Ordinal);
        Assert.Equal("Partial: cut.pcap. Skipped: notes.txt.", last[1]);
    }

    /// <summary>Runs pcapviz under `script` in a pseudo-terminal of <see cref="Columns"/> columns; its exit code and every byte it showed.</summary>
    private static async Task<(int Exit, string Raw)> RunInTerminal(TimeSpan limit, params string[] args)
    {
        string command = $"stty cols {Columns} rows 40; exec dotnet {Quote(Cli.DllPath)} {string.Join(' ', args.Select(Quote))}";
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in new[] { "-qfec", command, "/dev/null" }) psi.ArgumentList.Add(a);
        psi.Environment["SOURCE_DATE_EPOCH"] = Cli.Epoch;
        psi.Environment["TERM"] = "xterm-256color";
        // A person's terminal, not a CI log: the console library turns live displays off under these.
        foreach (string ci in new[] { "GITHUB_ACTIONS", "TF_BUILD", "GITLAB_CI", "JENKINS_URL", "TRAVIS", "APPVEYOR", "TEAMCITY_VERSION", "NO_COLOR" })
            psi.Environment.Remove(ci);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"pcapviz in a terminal did not finish within {limit}: {TerminalScreen.WithoutEscapes(await stdout)}");
        }
        string raw = await stdout;
        Assert.True(raw.Length > 0, $"`script` showed nothing: {await stderr}");
        return (process.ExitCode, raw);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// The lines (a line wrapped at the right edge joined again) a terminal of a given width shows after some output: printable characters (each one column, wrapping
/// at the right edge as xterm does), CR, LF, cursor up/down/left/right/column and erase in line/display. Colours and
/// modes are ignored. Enough for what a console library writes to redraw a live display.
/// </summary>
internal static class TerminalScreen
{
    public static IReadOnlyList<string> Replay(string raw, int width)
    {
        var lines = new List<char[]>();
        var continued = new HashSet<int>(); // rows the terminal wrapped onto (one logical line with the row above)
        int row = 0, col = 0;
        bool pendingWrap = false;
        char[] Line(int r)
        {
            while (lines.Count <= r) lines.Add(Enumerable.Repeat(' ', width).ToArray());
            return lines[r];
        }
        Line(0);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '\u001b' && i + 1 < raw.Length)
            {
                char kind = raw[i + 1];
                if (kind == '[')
                {
                    int j = i + 2;
                    while (j < raw.Length && (raw[j] is >= '0' and <= '9' or ';' or '?')) j++;
                    if (j >= raw.Length) break;
                    string p = raw[(i + 2)..j];
                    int n = int.TryParse(p.TrimStart('?').Split(';')[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : 0;
                    switch (raw[j])
                    {
                        case 'A': row = Math.Max(0, row - Math.Max(1, n)); pendingWrap = false; break;
                        case 'B': row += Math.Max(1, n); Line(row); pendingWrap = false; break;
                        case 'C': col = Math.Min(width - 1, col + Math.Max(1, n)); pendingWrap = false; break;
                        case 'D': col = Math.Max(0, col - Math.Max(1, n)); pendingWrap = false; break;
                        case 'G': col = Math.Clamp(n - 1, 0, width - 1); pendingWrap = false; break;
                        case 'K':
                            var line = Line(row);
                            int from = n == 0 ? col : 0, to = n == 1 ? col + 1 : width;
                            for (int k = from; k < to; k++) line[k] = ' ';
                            break;
                        case 'J':
                            if (n is 0 or 2 or 3)
                            {
                                for (int r = n == 0 ? row + 1 : 0; r < lines.Count; r++) Array.Fill(lines[r], ' ');
                                if (n == 0) for (int k = col; k < width; k++) Line(row)[k] = ' ';
                            }
                            break;
                    }
                    i = j;
                }
                else if (kind == ']')
                {
                    // OSC (links, titles): up to BEL or ESC \.
                    int j = i + 2;
                    while (j < raw.Length && raw[j] != '\u0007' && !(raw[j] == '\u001b' && j + 1 < raw.Length && raw[j + 1] == '\\')) j++;
                    i = j < raw.Length && raw[j] == '\u001b' ? j + 1 : j;
                }
                else
                {
                    i++; // ESC = , ESC > and other two-character sequences
                }
                continue;
            }
            switch (c)
            {
                case '\r': col = 0; pendingWrap = false; break;
                case '\n': row++; col = 0; Line(row); pendingWrap = false; break; // the pty turns LF into CR LF
                case '\u0007' or '\b' or '\t': break;
                default:
                    if (char.IsControl(c)) break;
                    if (pendingWrap)
                    {
                        row++;
                        col = 0;
                        pendingWrap = false;
                        continued.Add(row);
                    }
                    Line(row)[col] = c;
                    if (col == width - 1) pendingWrap = true;
                    else col++;
                    break;
            }
        }
        // A row the terminal wrapped onto continues the row above, which is full (the wrap happened at its end).
        var logical = new List<string>();
        for (int r = 0; r < lines.Count; r++)
        {
            if (continued.Contains(r) && logical.Count > 0) logical[^1] += new string(lines[r]);
            else logical.Add(new string(lines[r]));
        }
        return logical.Select(l => l.TrimEnd()).ToList();
    }

    /// <summary>The output with every escape sequence removed (what was written, in order, not where).</summary>
    public static string WithoutEscapes(string raw) =>
        System.Text.RegularExpressions.Regex.Replace(raw, @"\u001b(\[[0-9;?]*[A-Za-z]|\][^\u0007]*\u0007|.)", "");
}

/// <summary>The live display's columns fit one terminal line per task.</summary>
public sealed class ProgressLayoutTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(200)]
    public void Describe_LongNames_FitsTheWidthLeftBesideTheBar(int width)
    {
        var layout = PcapViz.Cli.ProgressLayout.For(width);
        string[] files = ["site-a/2024/03/01/a-very-long-capture-file-name-from-the-sensor.pcap", "b.pcap"];

        string shown = Spectre.Console.Markup.Remove(layout.Describe(1234, 20000, files));

        Assert.True(shown.Length <= layout.DescriptionWidth, $"'{shown}' ({shown.Length}) is wider than {layout.DescriptionWidth}");
        Assert.StartsWith("1234/20000 ", shown, StringComparison.Ordinal);
        Assert.EndsWith("b.pcap", shown, StringComparison.Ordinal);
        // Description, bar, percentage (4), rate (11), time left (8) and the gaps between the five columns.
        if (width >= 80) Assert.True(layout.DescriptionWidth + layout.BarWidth + 4 + 11 + 8 + 4 < width, $"{layout} does not fit {width} columns");
    }

    [Fact]
    public void Describe_ShortNames_AreShownWhole()
    {
        var layout = PcapViz.Cli.ProgressLayout.For(100);
        Assert.Equal("[bold]3/7[/] a.pcap, b.pcap", layout.Describe(3, 7, ["a.pcap", "b.pcap"]));
        Assert.Equal("[bold]0/7[/]", layout.Describe(0, 7, []));
    }
}

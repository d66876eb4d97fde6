using System.Diagnostics;
using System.IO.Compression;

namespace PcapViz.Tests;

/// <summary>
/// The installable tool: `dotnet pack` of the CLI (built by this test run) gives the PcapViz package; installed from
/// that file alone into a temporary tool path, its `pcapviz` writes the same bundle as the CLI run in-process.
/// </summary>
public sealed class ToolPackageTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task DotnetToolInstall_FromPackedFile_GivesPcapvizThatWritesTheSameBundle()
    {
        using var t = new TempDir();
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        string project = Repo.Path_("src", "PcapViz.Cli", "PcapViz.Cli.csproj");
        string packages = t.Dir("packages");
        // --no-build: pack what this test run built (the test project references the CLI), so nothing is rebuilt here.
        await Run(t.Root, "dotnet", "pack", project, "-c", configuration, "--no-build", "-o", packages);
        string nupkg = Assert.Single(Directory.GetFiles(packages, "PcapViz.*.nupkg"));

        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains(entries, e => e.EndsWith("/pcapviz.dll", StringComparison.Ordinal) && e.StartsWith("tools/", StringComparison.Ordinal));
            Assert.Contains(entries, e => e.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
            Assert.Contains(entries, e => e.Contains("linux-x64/native/libSkiaSharp.so", StringComparison.Ordinal));
        }

        // Only the packed file as a source: nothing can come from elsewhere.
        string config = t["nuget.config"];
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        string tools = t.Dir("tools");
        await Run(t.Root, "dotnet", "tool", "install", "PcapViz", "--tool-path", tools, "--configfile", config);
        string pcapviz = Path.Combine(tools, "pcapviz");
        Assert.True(File.Exists(pcapviz), "dotnet tool install did not create the pcapviz command");

        string version = await Run(t.Root, pcapviz, "--version");
        Assert.Equal(PcapViz.Cli.CliApp.ToolVersion, version.Trim());

        string input = t.Dir("in");
        Captures.Samples(input);
        await Run(t.Root, pcapviz, "report", input, "-o", t["installed"], "-q");
        var inProcess = Cli.Run("report", input, "-o", t["in-process"], "-q");
        Assert.True(inProcess.ExitCode == 0, inProcess.ToString());
        var expected = Bundle.Snapshot(t["in-process"]);
        Assert.Contains("report.pdf", expected.Keys); // fonts and SkiaSharp work from the package
        Assert.Contains(expected.Keys, k => k.StartsWith("assets/plotly-", StringComparison.Ordinal));
        Bundle.AssertIdentical(expected, Bundle.Snapshot(t["installed"]));
    }

    private static async Task<string> Run(string directory, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["SOURCE_DATE_EPOCH"] = Cli.Epoch;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["TERM"] = "dumb";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {Limit}.");
        }
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}

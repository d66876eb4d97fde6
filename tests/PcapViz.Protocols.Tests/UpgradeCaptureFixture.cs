using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PcapViz.TestSupport;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// Makes the upgrade capture once for the test class, at test time: runs Data/make-upgrade-captures.py (python3, the
/// openssl command, root for its AF_PACKET socket on lo) into a temporary directory that is deleted afterwards. The
/// capture is never committed. It never throws: what is missing or failed is reported by <see cref="Require"/>, in
/// the test (a skip with a message, or a failure under CI=true or when the script itself fails).
/// </summary>
public sealed partial class UpgradeCaptureFixture : IAsyncLifetime
{
    /// <summary>A backstop only: the script ends itself after 15 s (its watchdog).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(25);

    /// <summary>The script's exit code when it cannot open its AF_PACKET socket (no CAP_NET_RAW).</summary>
    private const int ExitNoPermission = 77;

    private readonly TempDirectory _directory = new("pcapviz-upgrade-capture-");
    private string? _missing;
    private string? _failure;
    private string _stderr = "";

    /// <summary>The capture; valid only after <see cref="Require"/> returned.</summary>
    public string CapturePath => _directory.File("upgrade-captures.pcap");

    /// <summary>The loopback port the SMTP server listened on (chosen by the kernel for this run).</summary>
    public ushort SmtpPort { get; private set; }

    /// <summary>The loopback port the HTTP proxy listened on (chosen by the kernel for this run).</summary>
    public ushort ProxyPort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var missing = new List<string>();
        string? python = FindOnPath("python3");
        if (python is null) missing.Add("python3 (Debian package python3) is not on PATH.");
        if (FindOnPath("openssl") is null) missing.Add("The openssl command (Debian package openssl) is not on PATH.");
        if (!Environment.IsPrivilegedProcess)
            missing.Add("Not running as root: the capture is recorded with an AF_PACKET socket on lo (CI runs as root).");
        if (missing.Count > 0)
        {
            _missing = "The upgrade capture is made at test time by Data/make-upgrade-captures.py: " + string.Join(" ", missing);
            return;
        }

        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.Path,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Data", "make-upgrade-captures.py"));
        start.ArgumentList.Add(CapturePath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            _failure = $"make-upgrade-captures.py did not end within {ScriptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s and was killed.";
        }
        string output = await stdout;
        _stderr = (await stderr).Trim();
        if (_failure is not null) return;

        if (process.ExitCode == ExitNoPermission)
        {
            _missing = $"The upgrade capture needs an AF_PACKET socket on lo: {_stderr}";
            return;
        }
        if (process.ExitCode != 0)
        {
            _failure = $"make-upgrade-captures.py exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {_stderr}";
            return;
        }
        var ports = PortsLine().Match(output);
        if (!ports.Success || !File.Exists(CapturePath))
        {
            _failure = $"make-upgrade-captures.py succeeded but gave no ports line or no capture. stdout: {output.Trim()} stderr: {_stderr}";
            return;
        }
        SmtpPort = ushort.Parse(ports.Groups[1].Value, CultureInfo.InvariantCulture);
        ProxyPort = ushort.Parse(ports.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Ends the test unless the capture was made: a skip (a failure under CI=true) when a tool or root is missing,
    /// a failure with the script's message when the script failed.
    /// </summary>
    public void Require()
    {
        TestEnvironment.Require(_missing is null, _missing!);
        if (_failure is not null) Assert.Fail(_failure);
    }

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"^smtp_port=([0-9]{1,5}) proxy_port=([0-9]{1,5})$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PortsLine();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PcapViz.Tests;

/// <summary>
/// A real Slurm on this machine (deploy/slurm/local-cluster.sh: munged, slurmctld, slurmd, no cgroups) runs
/// deploy/slurm/submit.sh over the samples and the corpus: the shard array, one task failing on its first attempt,
/// retry-failed.sh, and the merge that waited with afterok. The merged bundle equals a single-machine run byte for byte.
/// </summary>
public sealed class SlurmTests
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task SlurmArray_WithOneTaskFailingOnce_RetriedAndMerged_EqualsSingleMachineRun()
    {
        foreach (string tool in new[] { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo" })
            Repo.RequireTool(Repo.Which(tool) is not null, $"{tool} is not installed (Debian packages slurm-wlm and munge): the Slurm test is skipped");
        Repo.RequireTool(Environment.UserName == "root", "the local Slurm runs as SlurmUser=root: the Slurm test needs root and is skipped");
        string corpus = Repo.RequireCorpus();

        using var t = new TempDir();
        string samples = t.Dir("samples");
        Captures.Samples(samples);
        string cluster = t.Dir("cluster");
        var env = new Dictionary<string, string>
        {
            ["SLURM_CONF"] = Path.Combine(cluster, "slurm.conf"),
            ["SLURMCTLD_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SLURMD_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SOURCE_DATE_EPOCH"] = Cli.Epoch,
        };
        string deploy = Repo.Path_("deploy", "slurm");
        try
        {
            await Sh(env, Path.Combine(deploy, "local-cluster.sh"), "start", cluster);

            // pcapviz for the jobs: the built CLI, failing once (exit 75) on shard 1's first attempt.
            string marker = t["failed-once"];
            string wrapper = t["pcapviz"];
            File.WriteAllText(wrapper, $"""
                #!/bin/sh
                if [ "${"{"}SLURM_ARRAY_TASK_ID:-{"}"}" = 1 ] && [ ! -e '{marker}' ]; then touch '{marker}'; echo 'injected failure' >&2; exit 75; fi
                exec dotnet '{Cli.DllPath}' "$@"

                """);
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            env["PCAPVIZ"] = wrapper;

            string work = t["work"], bundle = t["bundle"];
            await Sh(env, Path.Combine(deploy, "submit.sh"), "--shards", "4", "--work", work, "--output", bundle, "-q", "--fail-on", "never", samples, corpus);
            var jobs = File.ReadAllLines(Path.Combine(work, "jobs.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

            // The array runs to its end with task 1 failed; the merge waits on afterok and cannot start.
            await WaitFor(env, () => Run(env, false, "squeue", "-h", "-j", jobs["ARRAY_JOB"], "-o", "%i"), s => s.Trim().Length == 0, "the shard array to finish");
            string array = await Sh(env, "scontrol", "-o", "show", "job", jobs["ARRAY_JOB"]);
            Assert.Contains("ArrayTaskId=1 ", array, StringComparison.Ordinal);
            Assert.Single(array.Split('\n'), l => l.Contains("JobState=FAILED", StringComparison.Ordinal));
            Assert.Equal(3, array.Split('\n').Count(l => l.Contains("JobState=COMPLETED", StringComparison.Ordinal)));
            Assert.Contains("injected failure", File.ReadAllText(Path.Combine(work, "logs", "shard-1.log")), StringComparison.Ordinal);
            Assert.Contains("JobState=PENDING", await Sh(env, "scontrol", "-o", "show", "job", jobs["MERGE_JOB"]), StringComparison.Ordinal);

            await Sh(env, Path.Combine(deploy, "retry-failed.sh"), work);
            string merge = await WaitFor(env, () => Sh(env, "scontrol", "-o", "show", "job", jobs["MERGE_JOB"]),
                s => s.Contains("JobState=COMPLETED", StringComparison.Ordinal) || s.Contains("JobState=FAILED", StringComparison.Ordinal), "the merge job");
            string mergeLog = File.ReadAllText(Path.Combine(work, "logs", "merge.log"));
            Assert.True(merge.Contains("JobState=COMPLETED", StringComparison.Ordinal) && merge.Contains("ExitCode=0:0", StringComparison.Ordinal), $"{merge}\n{mergeLog}");

            var single = Cli.Run("report", samples, corpus, "-o", t["single"], "-q", "--fail-on", "never");
            Assert.True(single.ExitCode == 0, single.ToString());
            Bundle.AssertIdentical(Bundle.Snapshot(t["single"]), Bundle.Snapshot(bundle));
        }
        finally
        {
            await Run(env, false, Path.Combine(deploy, "local-cluster.sh"), "stop", cluster);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> WaitFor(Dictionary<string, string> env, Func<Task<string>> probe, Func<string, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + StepLimit;
        while (true)
        {
            string state = await probe();
            if (done(state)) return state;
            Assert.True(DateTime.UtcNow < deadline, $"Slurm: {what} did not finish within {StepLimit}; last state:\n{state}\n{await Run(env, false, "squeue")}");
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    private static Task<string> Sh(Dictionary<string, string> env, string file, params string[] args) => Run(env, true, file, args);

    private static async Task<string> Run(Dictionary<string, string> env, bool check, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StepLimit);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {StepLimit}.");
        }
        string output = await stdout + await stderr;
        if (check) Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}:\n{output}");
        return await stdout;
    }
}

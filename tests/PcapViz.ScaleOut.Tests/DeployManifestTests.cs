using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PcapViz.Tests;

/// <summary>
/// No Kubernetes cluster exists here, so what can be checked is checked: the manifests in deploy/kubernetes parse,
/// the shards run as an Indexed Job with a retry budget per index over the shared volume, and the shard and merge
/// command lines are the ones the Slurm scripts run (with Slurm's variables put for the manifests' values).
/// </summary>
public sealed partial class DeployManifestTests
{
    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Repo.Path_("deploy", "kubernetes", file))) stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (string key in path)
        {
            var map = Assert.IsType<YamlMappingNode>(node);
            Assert.True(map.Children.TryGetValue(new YamlScalarNode(key), out var next), $"no '{key}' in the manifest");
            node = next;
        }
        return node;
    }

    private static string Scalar(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(At(node, path)).Value!;

    private static YamlMappingNode Container(YamlMappingNode job) =>
        Assert.IsType<YamlMappingNode>(Assert.Single(Assert.IsType<YamlSequenceNode>(At(job, "spec", "template", "spec", "containers")).Children));

    private static List<string> Command(YamlMappingNode job) =>
        Assert.IsType<YamlSequenceNode>(At(Container(job), "command")).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

    /// <summary>The words of the `exec "$PCAPVIZ" ...` line of a Slurm script, with the manifests' values for Slurm's variables.</summary>
    private static List<string> SlurmCommand(string script)
    {
        string line = File.ReadAllLines(Repo.Path_("deploy", "slurm", script)).Single(l => l.StartsWith("exec \"$PCAPVIZ\" ", StringComparison.Ordinal));
        var values = new Dictionary<string, string>
        {
            ["$PCAPVIZ"] = "pcapviz",
            ["$PCAPVIZ_PLAN"] = "/data/work/plan.json",
            ["$PCAPVIZ_WORK"] = "/data/work",
            ["$PCAPVIZ_BUNDLE"] = "/data/bundle",
            ["$SLURM_ARRAY_TASK_ID"] = "$(JOB_COMPLETION_INDEX)",
            ["${SLURM_CPUS_PER_TASK:-1}"] = "1",
        };
        string substituted = Variable().Replace(line["exec ".Length..], m => values[m.Value]).Replace("\"", "", StringComparison.Ordinal);
        return substituted.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [GeneratedRegex(@"\$\{[A-Z_]+:-[0-9]+\}|\$[A-Z_]+")]
    private static partial Regex Variable();

    [Fact]
    public void ShardsJob_IsAnIndexedJobWithPerIndexRetries_RunningTheSlurmShardCommand()
    {
        var job = Load("shards-job.yaml");
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        Assert.Equal("Indexed", Scalar(job, "spec", "completionMode"));
        int completions = int.Parse(Scalar(job, "spec", "completions"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(completions >= 1);
        Assert.True(int.Parse(Scalar(job, "spec", "parallelism"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.True(int.Parse(Scalar(job, "spec", "backoffLimitPerIndex"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("Never", Scalar(job, "spec", "template", "spec", "restartPolicy"));
        Assert.Equal(SlurmCommand("pcapviz-shards.sbatch"), Command(job));

        // The plan job makes as many shards as the Indexed Job has completions.
        var plan = Command(Load("plan-job.yaml"));
        Assert.Equal(["pcapviz", "plan"], plan.Take(2));
        Assert.Equal(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), plan[plan.IndexOf("--shards") + 1]);
        Assert.Equal("/data/work/plan.json", plan[plan.IndexOf("-o") + 1]);
    }

    [Fact]
    public void MergeJob_RunsTheSlurmMergeCommand()
    {
        var command = Command(Load("merge-job.yaml"));
        Assert.Equal(["sh", "-c"], command.Take(2));
        Assert.Equal(3, command.Count);
        Assert.StartsWith("exec ", command[2], StringComparison.Ordinal);
        Assert.Equal(SlurmCommand("pcapviz-merge.sbatch"), command[2]["exec ".Length..].Split(' ').ToList());
    }

    [Fact]
    public void EveryJob_MountsTheSharedVolumeClaim_AtData()
    {
        string claim = Scalar(Load("volume.yaml"), "metadata", "name");
        Assert.Equal("ReadWriteMany", ((YamlScalarNode)Assert.Single(((YamlSequenceNode)At(Load("volume.yaml"), "spec", "accessModes")).Children)).Value);
        foreach (string file in new[] { "plan-job.yaml", "shards-job.yaml", "merge-job.yaml" })
        {
            var job = Load(file);
            var volume = Assert.IsType<YamlMappingNode>(Assert.Single(((YamlSequenceNode)At(job, "spec", "template", "spec", "volumes")).Children));
            Assert.Equal(claim, Scalar(volume, "persistentVolumeClaim", "claimName"));
            var mount = Assert.IsType<YamlMappingNode>(Assert.Single(((YamlSequenceNode)At(Container(job), "volumeMounts")).Children));
            Assert.Equal("/data", Scalar(mount, "mountPath"));
            Assert.Equal(Scalar(volume, "name"), Scalar(mount, "name"));
        }
    }

    [Fact]
    public void Dockerfile_BuildsOnTheOfficialSdkAndRunsOnRuntimeDeps()
    {
        var from = File.ReadAllLines(Repo.Path_("deploy", "kubernetes", "Dockerfile"))
            .Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, from.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", from[0], StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0", from[1], StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(Repo.Path_("deploy", "kubernetes", "Dockerfile")),
            l => l.StartsWith("RUN dotnet publish src/PcapViz.Cli/PcapViz.Cli.csproj", StringComparison.Ordinal) && l.Contains("-r linux-x64", StringComparison.Ordinal));
    }
}

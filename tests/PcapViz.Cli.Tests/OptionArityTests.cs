using System.CommandLine;
using System.CommandLine.Help;
using PcapViz.Cli;

namespace PcapViz.Tests;

/// <summary>
/// No option that may stand without a value takes the positional argument that follows it: for every such option of
/// every command (found by walking the command tree, so a new one is tested without being listed here),
/// `cmd --option PATH` and `cmd PATH --option` give the command's argument the same value and the option the same
/// value.
/// </summary>
public sealed class OptionArityTests
{
    private static RootCommand Root() => CliApp.Root(TextWriter.Null, TextWriter.Null);

    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var c in Commands(sub, [.. path, sub.Name])) yield return c;
    }

    /// <summary>Every (command path, option) whose option may be given without a value, on a command with an argument.</summary>
    public static TheoryData<string, string> OptionalValueOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, command) in Commands(Root(), []))
        {
            if (command.Arguments.Count == 0) continue;
            foreach (var option in command.Options)
            {
                if (option is HelpOption or VersionOption || option.Arity.MinimumNumberOfValues > 0) continue;
                data.Add(string.Join(' ', path), option.Name);
            }
        }
        return data;
    }

    [Fact]
    public void OptionalValueOptions_Found_IncludeVerifyInputsAndTheFlags()
    {
        var found = OptionalValueOptions().Select(row => $"{row.Data.Item1} {row.Data.Item2}").ToList();
        Assert.Contains("verify --inputs", found);
        Assert.Contains("report --incremental", found);
        Assert.Contains("verify --chain", found);
    }

    [Theory]
    [MemberData(nameof(OptionalValueOptions))]
    public void Option_BeforeOrAfterThePositional_ParsesTheSame(string commandPath, string optionName)
    {
        string[] path = commandPath.Length == 0 ? [] : commandPath.Split(' ');
        const string Positional = "out/night";
        var root = Root();
        // One positional per argument of the command (`diff OLD NEW` has two), the first right after the option.
        int arguments = Commands(root, []).Single(c => c.Path.SequenceEqual(path)).Command.Arguments.Count;
        string[] positionals = [Positional, .. Enumerable.Range(2, arguments - 1).Select(i => $"out/night{i}")];
        var first = root.Parse([.. path, optionName, .. positionals]);
        var second = root.Parse([.. path, .. positionals, optionName]);

        var command = first.CommandResult.Command;
        Assert.Equal(path.LastOrDefault() ?? command.Name, command.Name);
        var argument = command.Arguments[0];
        var option = command.Options.Single(o => o.Name == optionName);
        string[] Args(ParseResult p) => p.GetResult(argument)?.Tokens.Select(t => t.Value).ToArray() ?? [];
        string[] Values(ParseResult p) => p.GetResult(option)?.Tokens.Select(t => t.Value).ToArray() ?? [];

        Assert.Equal([Positional], Args(first)); // the path after the option went to the first argument
        Assert.Equal(Args(second), Args(first));
        Assert.Empty(Values(first)); // the path after the option is not its value
        Assert.Equal(Values(second), Values(first));
        Assert.DoesNotContain(first.Errors, e => e.Message.Contains("Required argument missing", StringComparison.Ordinal));
    }
}

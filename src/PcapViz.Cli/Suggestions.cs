using System.CommandLine;
using System.CommandLine.Parsing;
using PcapViz.Model;

namespace PcapViz.Cli;

/// <summary>
/// Unknown options and commands named as such, with the closest valid one: "`--outptu`: unknown option; did you
/// mean `--output`?". Closeness is the optimal string alignment distance (insertions, deletions, substitutions and
/// swaps of neighbours, ignoring case); a candidate is offered only when it is near enough to be a typo.
/// </summary>
internal static class Suggestions
{
    /// <summary>
    /// The messages for every token of <paramref name="parse"/> that is not understood: a token starting with '-'
    /// (before a "--") that no option of the command takes, even where System.CommandLine would have taken it as an
    /// input path; and, for a command that has subcommands, the first word that names none of them.
    /// </summary>
    public static IReadOnlyList<string> ForUnknownTokens(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var optionNames = OptionNames(parse.CommandResult).ToList();
        var messages = new List<string>();
        // The values handed to the command's own arguments (input paths): a '-' word among them is a mistyped
        // option, not a file (a file whose name starts with '-' goes after "--").
        var argumentTokens = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens);
        int doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        var beforeDoubleDash = new HashSet<Token>(doubleDash < 0 ? parse.Tokens : parse.Tokens.Take(doubleDash), ReferenceEqualityComparer.Instance);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in argumentTokens.Where(beforeDoubleDash.Contains))
        {
            if (LooksLikeOption(token.Value) && seen.Add(token.Value)) messages.Add(UnknownOption(token.Value, optionNames));
        }
        foreach (string raw in parse.UnmatchedTokens)
        {
            if (LooksLikeOption(raw))
            {
                if (seen.Add(raw)) messages.Add(UnknownOption(raw, optionNames));
            }
            else if (command.Subcommands.Count > 0)
            {
                // The words after an unknown command belong to it; only the command is named.
                string? best = Closest(raw, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                string shown = Terminal.Safe(raw);
                messages.Add(best is null ? $"`{shown}`: unknown command." : $"`{shown}`: unknown command; did you mean `{best}`?");
                break;
            }
        }
        return messages;
    }

    private static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-';

    private static string UnknownOption(string token, IReadOnlyList<string> optionNames)
    {
        // "--outptu=dir": the name is what was mistyped.
        string name = token.Split('=', 2)[0];
        string? best = Closest(name, optionNames);
        string shown = Terminal.Safe(name);
        return best is null ? $"`{shown}`: unknown option." : $"`{shown}`: unknown option; did you mean `{best}`?";
    }

    /// <summary>The names and aliases of the options valid where the parse ended (the command's and the recursive ones above it).</summary>
    private static IEnumerable<string> OptionNames(CommandResult result)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var option in result.Command.Options)
            if (!option.Hidden) names.UnionWith(option.Aliases.Append(option.Name));
        for (var parent = result.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
            foreach (var option in parent.Command.Options.Where(o => o.Recursive && !o.Hidden))
                names.UnionWith(option.Aliases.Append(option.Name));
        return names.Where(n => n.StartsWith('-'));
    }

    /// <summary>"; did you mean `json`?" for a mistyped option value, or null when no valid value is near it.</summary>
    public static string? Hint(string value, IEnumerable<string> valid) =>
        Closest(value, valid) is { } best && !best.Equals(value, StringComparison.Ordinal) ? $"; did you mean `{best}`?" : null;

    /// <summary>The candidate nearest to <paramref name="token"/> when it is near enough to be a typo; else null.</summary>
    public static string? Closest(string token, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(token);
        // One letter ("-x") is near every short option: no guess is better than a wrong one.
        if (token.TrimStart('-').Length < 2) return null;
        var names = candidates.ToList();
        // A shortened name ("--incr" for "--incremental") when it starts exactly one of them.
        if (token.TrimStart('-').Length >= 3)
        {
            var starting = names.Where(c => c.StartsWith(token, StringComparison.OrdinalIgnoreCase)).ToList();
            if (starting.Count == 1) return starting[0];
        }
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in names)
        {
            int d = Distance(token.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best is null) return null;
        // A typo changes little: at most a third of the name, at least 2 edits (leading dashes do not count).
        return bestDistance <= Math.Max(2, best.TrimStart('-').Length / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

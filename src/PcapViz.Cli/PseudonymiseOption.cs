using System.CommandLine;
using PcapViz.Pseudonymisation;

namespace PcapViz.Cli;

/// <summary><c>--pseudonymise KEYFILE</c> of `report`, `merge` and `diff` (docs/pseudonymisation.md).</summary>
internal static class PseudonymiseOption
{
    public static readonly Option<string?> Key = new("--pseudonymise")
    {
        Description = "Key file (32 random bytes, raw or as 64 hex digits or base64; 'head -c 32 /dev/urandom > key' makes one): " +
                      "every address and name, in the bundle as in the history rows and the watchlist hits, is replaced by its pseudonym under the key, " +
                      "so the bundle can be shared (docs/pseudonymisation.md). Addresses keep their prefixes and class, names their public suffix; " +
                      "the same key gives the same pseudonyms every night. Capture file names, counts and times are kept. The key is never written.",
        HelpName = "keyfile",
    };

    /// <summary>
    /// The pseudonymiser of the key file, or null without the option; an unreadable or malformed key file is an error
    /// naming the file and what is wrong (never its content). Adds the key's one-way id to the manifest's options.
    /// </summary>
    public static Pseudonymiser? Build(ParseResult parse, List<string> errors, List<KeyValuePair<string, string>> manifestOptions,
        Context.PublicSuffixList? suffixes = null)
    {
        if (parse.GetValue(Key) is not { } path || Load(path, errors) is not { } key) return null;
        manifestOptions.Add(new("pseudonymise", key.KeyId));
        return new Pseudonymiser(key, suffixes);
    }

    /// <summary>The key in the key file <paramref name="path"/>; null with an error naming the file and what is wrong (never its content).</summary>
    public static PseudonymKey? Load(string path, List<string> errors)
    {
        try
        {
            if (Directory.Exists(path)) throw new InvalidDataException($"Pseudonym key file '{path}' is a directory; name the key file.");
            return PseudonymKey.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            errors.Add($"--pseudonymise: {(ex is InvalidDataException ? ex.Message : $"the key file '{path}' cannot be read: {ex.Message}")}");
            return null;
        }
    }
}

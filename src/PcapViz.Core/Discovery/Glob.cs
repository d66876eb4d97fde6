using System.Globalization;

namespace PcapViz.Discovery;

/// <summary>An invalid --include / --exclude pattern; the message names the pattern and what is wrong with it.</summary>
internal sealed class GlobPatternException(string message) : ArgumentException(message);

/// <summary>
/// A file-name glob: <c>**</c> any path (<c>**/</c> also none), <c>*</c> any part of a name, <c>?</c> one character
/// other than '/', <c>[abc]</c>, <c>[a-z]</c>, <c>[!a-z]</c> / <c>[^a-z]</c> a character class; an unclosed <c>[</c>
/// is literal. Matching simulates all positions in the pattern at once, so it takes time proportional to
/// name length × pattern length whatever the pattern (no backtracking: <c>*a*a*a*a*b</c> cannot blow up).
/// </summary>
public sealed class Glob
{
    private enum Kind : byte { Literal, AnyChar, Class, Star, DoubleStar, DoubleStarSlash }

    private readonly record struct Token(Kind Kind, char Char = '\0', (char From, char To)[]? Ranges = null, bool Negated = false)
    {
        public bool Accepts(char c) => Kind switch
        {
            Kind.Literal => c == Char,
            Kind.AnyChar => c != '/',
            Kind.Class => c != '/' && InClass(c) != Negated,
            _ => false,
        };

        private bool InClass(char c)
        {
            foreach (var (from, to) in Ranges!)
                if (c >= from && c <= to) return true;
            return false;
        }
    }

    private readonly Token[] _tokens;

    private Glob(string pattern, Token[] tokens)
    {
        Pattern = pattern;
        _tokens = tokens;
    }

    internal string Pattern { get; }

    /// <summary>The pattern as given (for messages and the manifest).</summary>
    public override string ToString() => Pattern;

    /// <summary>Parses <paramref name="pattern"/>; throws <see cref="GlobPatternException"/> when it is invalid.</summary>
    internal static Glob Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0) throw new GlobPatternException("glob '' is empty.");
        var tokens = new List<Token>();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    while (i + 1 < pattern.Length && pattern[i + 1] == '*') i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                        tokens.Add(new Token(Kind.DoubleStarSlash));
                    }
                    else tokens.Add(new Token(Kind.DoubleStar));
                    break;
                case '*':
                    // "**" is handled above; consecutive single stars cannot occur here.
                    tokens.Add(new Token(Kind.Star));
                    break;
                case '?': tokens.Add(new Token(Kind.AnyChar)); break;
                case '[':
                    int end = ClassEnd(pattern, i);
                    if (end < 0)
                    {
                        tokens.Add(new Token(Kind.Literal, '['));
                        break;
                    }
                    tokens.Add(ParseClass(pattern, i, end));
                    i = end;
                    break;
                default: tokens.Add(new Token(Kind.Literal, c)); break;
            }
        }
        return new Glob(pattern, tokens.ToArray());
    }

    /// <summary>Parses, or gives a message naming the pattern and the fault.</summary>
    public static bool TryParse(string pattern, out Glob? glob, out string? error)
    {
        try
        {
            glob = Parse(pattern);
            error = null;
            return true;
        }
        catch (GlobPatternException ex)
        {
            glob = null;
            error = ex.Message;
            return false;
        }
    }

    // Index of the ']' closing the class opened at 'open', or -1 (then the '[' is literal). "[]" and "[!]" are empty
    // classes: the ']' right after them closes them (and they are rejected), as a user writing "[]" means an empty set.
    private static int ClassEnd(string pattern, int open)
    {
        int j = open + 1;
        if (j < pattern.Length && pattern[j] is '!' or '^') j++;
        for (; j < pattern.Length; j++)
            if (pattern[j] == ']') return j;
        return -1;
    }

    private static Token ParseClass(string pattern, int open, int close)
    {
        int j = open + 1;
        bool negated = false;
        if (pattern[j] is '!' or '^')
        {
            negated = true;
            j++;
        }
        var ranges = new List<(char, char)>();
        string cls = pattern[open..(close + 1)];
        if (j == close) throw new GlobPatternException($"glob '{pattern}': the character class '{cls}' is empty.");
        while (j < close)
        {
            char from = pattern[j];
            if (from == '\\' && j + 1 < close) from = pattern[++j];
            if (j + 2 < close && pattern[j + 1] == '-')
            {
                char to = pattern[j + 2];
                if (to == '\\' && j + 3 < close) to = pattern[++j + 2];
                if (to < from)
                    throw new GlobPatternException(string.Create(CultureInfo.InvariantCulture,
                        $"glob '{pattern}': the range '{from}-{to}' in '{cls}' is reversed (it must go from low to high, e.g. '{to}-{from}')."));
                ranges.Add((from, to));
                j += 3;
            }
            else
            {
                ranges.Add((from, from));
                j++;
            }
        }
        return new Token(Kind.Class, Ranges: ranges.ToArray(), Negated: negated);
    }

    /// <summary>True when the whole of <paramref name="text"/> matches.</summary>
    internal bool IsMatch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int m = _tokens.Length;
        // at[k]: the pattern up to token k is matched. inside[k]: a "**/" at k has consumed characters and is still
        // looking for the '/' that ends it (no zero-length move from there, or "a/**/x" would match "a/bx").
        var at = new bool[m + 1];
        var inside = new bool[m + 1];
        var nextAt = new bool[m + 1];
        var nextInside = new bool[m + 1];
        at[0] = true;
        Close(at);
        foreach (char c in text)
        {
            Array.Clear(nextAt);
            Array.Clear(nextInside);
            bool any = false;
            for (int k = 0; k < m; k++)
            {
                if (!at[k] && !inside[k]) continue;
                var t = _tokens[k];
                switch (t.Kind)
                {
                    case Kind.Star:
                        if (c != '/') any = nextAt[k] = true;
                        break;
                    case Kind.DoubleStar:
                        any = nextAt[k] = true;
                        break;
                    case Kind.DoubleStarSlash:
                        any = nextInside[k] = true;
                        if (c == '/') nextAt[k + 1] = true;
                        break;
                    default:
                        if (at[k] && t.Accepts(c)) any = nextAt[k + 1] = true;
                        break;
                }
            }
            if (!any) return false;
            Close(nextAt);
            (at, nextAt) = (nextAt, at);
            (inside, nextInside) = (nextInside, inside);
        }
        return at[m];
    }

    // Follows the zero-length moves: every star may match nothing.
    private void Close(bool[] states)
    {
        for (int k = 0; k < _tokens.Length; k++)
            if (states[k] && _tokens[k].Kind is Kind.Star or Kind.DoubleStar or Kind.DoubleStarSlash)
                states[k + 1] = true;
    }
}

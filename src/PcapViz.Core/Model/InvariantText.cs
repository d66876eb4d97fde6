using System.Globalization;
using System.Runtime.CompilerServices;

namespace PcapViz.Model;

/// <summary>
/// An interpolated string formatted with the invariant culture, whatever the machine's culture: a method that
/// takes one (<see cref="IssueLog.Warn(string, ref InvariantText, long?, long?)"/>) turns <c>$"… {count:N0} …"</c> into
/// "1,000,000" under de-DE, tr-TR and ar-SA alike. Numbers and dates in a $"" string otherwise take the current
/// culture ("1.000.000"), which must never reach an output file (docs/output.md, "Reproducible").
/// </summary>
[InterpolatedStringHandler]
public ref struct InvariantText
{
    private DefaultInterpolatedStringHandler _inner;

    /// <summary>Called by the compiler for a <c>$"…"</c> argument: the literal characters and the number of holes, to size the buffer.</summary>
    public InvariantText(int literalLength, int formattedCount) =>
        _inner = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);

    /// <summary>Called by the compiler: a literal part, as written.</summary>
    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    /// <summary>Called by the compiler: a hole <c>{value}</c>, formatted with the invariant culture.</summary>
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    /// <summary>Called by the compiler: a hole <c>{value:format}</c>, formatted with the invariant culture.</summary>
    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    /// <summary>Called by the compiler: a hole <c>{value,alignment}</c>, padded to the width (left-aligned when negative).</summary>
    public void AppendFormatted<T>(T value, int alignment) => _inner.AppendFormatted(value, alignment);

    /// <summary>Called by the compiler: a hole <c>{value,alignment:format}</c>, invariant culture, padded to the width.</summary>
    public void AppendFormatted<T>(T value, int alignment, string? format) => _inner.AppendFormatted(value, alignment, format);

    /// <summary>Called by the compiler: a hole holding characters, copied as they are.</summary>
    public void AppendFormatted(ReadOnlySpan<char> value) => _inner.AppendFormatted(value);

    /// <summary>Called by the compiler: a hole holding a string (nothing for null), copied as it is.</summary>
    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);

    /// <summary>The finished text; the handler must not be used afterwards.</summary>
    public string ToStringAndClear() => _inner.ToStringAndClear();
}

/// <summary>Invariant-culture formatting for text that ends up in an output.</summary>
public static class Invariant
{
    /// <summary>The interpolated string, formatted with the invariant culture.</summary>
    public static string Text(ref InvariantText text) => text.ToStringAndClear();

    /// <summary>An integer as the invariant culture writes it, with thousands separators: "1,234,567".</summary>
    internal static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

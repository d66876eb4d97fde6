using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace PcapViz.Rendering.Html;

/// <summary>
/// A template could not be rendered: it does not parse, uses an unknown variable, loops or recurses past the
/// limits sized to the data, writes too much, or runs past the render time limit. The message names the template
/// and what went wrong; the run treats it as a render failure.
/// </summary>
public sealed class TemplateRenderException : Exception
{
    /// <summary>The template <paramref name="templateName"/> failed; <paramref name="message"/> names it and says how.</summary>
    public TemplateRenderException(string templateName, string message, Exception? inner = null) : base(message, inner) =>
        TemplateName = templateName;

    /// <summary>The standard exception constructors (CA1032); <see cref="TemplateName"/> is then empty.</summary>
    public TemplateRenderException() { }

    /// <inheritdoc cref="TemplateRenderException()" />
    public TemplateRenderException(string message) : base(message) { }

    /// <inheritdoc cref="TemplateRenderException()" />
    public TemplateRenderException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The template's relative name ("capture.html", "partials/table.html").</summary>
    public string TemplateName { get; } = "";
}

/// <summary>How much data a page's model holds: collection items (at any depth) and characters of text.</summary>
internal static class DataSize
{
    private const int MaxDepth = 12;
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static (long Items, long Chars) Measure(object? model)
    {
        long items = 0, chars = 0;
        Walk(model, 0, ref items, ref chars);
        return (items, chars);
    }

    private static void Walk(object? value, int depth, ref long items, ref long chars)
    {
        switch (value)
        {
            case null: return;
            case string s:
                chars += s.Length;
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is decimal or DateTime or DateTimeOffset or TimeSpan || depth > MaxDepth) return;
        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry e in dictionary) Walk(e.Value, depth + 1, ref items, ref chars);
            return;
        }
        if (value is IEnumerable<KeyValuePair<string, object>> pairs)
        {
            foreach (var kv in pairs) Walk(kv.Value, depth + 1, ref items, ref chars);
            return;
        }
        if (value is IEnumerable sequence)
        {
            foreach (object? element in sequence)
            {
                items++;
                Walk(element, depth + 1, ref items, ref chars);
            }
            return;
        }
        foreach (var property in Properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray()))
            Walk(property.GetValue(value), depth + 1, ref items, ref chars);
    }
}

using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace PcapViz.Rendering.Html;

/// <summary>
/// The template files: each looked up first in the override directory (if any), then among the embedded defaults.
/// Parsed templates are cached; the set is safe to use from several threads.
/// </summary>
internal sealed partial class TemplateSet : ITemplateLoader
{
    private const string ResourcePrefix = "PcapViz.Templates/";
    private readonly string? _overrideDirectory;
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Template> _parsed = new(StringComparer.Ordinal);

    public TemplateSet(string? overrideDirectory)
    {
        if (overrideDirectory is not null && !Directory.Exists(overrideDirectory))
            throw new DirectoryNotFoundException($"Template directory not found: {overrideDirectory}");
        _overrideDirectory = overrideDirectory is null ? null : Path.GetFullPath(overrideDirectory);
    }

    /// <summary>The names of the embedded default templates ("layout.html", "partials/chart.html", …).</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } = typeof(TemplateSet).Assembly.GetManifestResourceNames()
        .Select(n => n.Replace('\\', '/'))
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The text of a template file (raw, not rendered).</summary>
    public string GetText(string name) => _texts.GetOrAdd(name, LoadText);

    /// <summary>Renders a template with the given globals under the safe settings (strict, unlimited, no truncation).</summary>
    public string Render(string name, ScriptObject globals)
    {
        var template = _parsed.GetOrAdd(name, n =>
        {
            var parsed = Template.Parse(GetText(n), n);
            if (parsed.HasErrors)
                throw new InvalidOperationException($"Template {n} does not parse: {string.Join("; ", parsed.Messages)}");
            return parsed;
        });
        var context = CreateContext();
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private TemplateContext CreateContext() => new()
    {
        StrictVariables = true,
        LoopLimit = 0,
        LoopLimitQueryable = 0,
        LimitToString = 0,
        OutputLimit = 0,
        OnStringLimit = ScriptLimitBehavior.Throw,
        OnOutputLimit = ScriptLimitBehavior.Throw,
        TemplateLoader = this,
        MemberRenamer = member => member.Name,
        NewLine = "\n",
    };

    string ITemplateLoader.GetPath(TemplateContext context, SourceSpan callerSpan, string templateName)
    {
        if (!ValidName().IsMatch(templateName) || templateName.Contains("..", StringComparison.Ordinal))
            throw new InvalidOperationException($"Invalid template name '{templateName}'.");
        return templateName;
    }

    string ITemplateLoader.Load(TemplateContext context, SourceSpan callerSpan, string templatePath) => GetText(templatePath);

    ValueTask<string?> ITemplateLoader.LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        ValueTask.FromResult<string?>(GetText(templatePath));

    private string LoadText(string name)
    {
        if (!ValidName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
            throw new InvalidOperationException($"Invalid template name '{name}'.");
        if (_overrideDirectory is not null)
        {
            string path = Path.Combine(_overrideDirectory, name.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(path)) return Normalise(File.ReadAllText(path, Encoding.UTF8));
        }
        var assembly = typeof(TemplateSet).Assembly;
        string? resource = assembly.GetManifestResourceNames()
            .FirstOrDefault(n => n.Replace('\\', '/') == ResourcePrefix + name);
        if (resource is null) throw new FileNotFoundException($"No template named '{name}' (embedded or in the template directory).");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Normalise(reader.ReadToEnd());
    }

    // Line endings as LF whatever the checkout did, so output is the same on every machine.
    private static string Normalise(string text) => text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_./-]*$")]
    private static partial Regex ValidName();
}

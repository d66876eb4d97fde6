using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

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

    /// <summary>
    /// Included templates as Scriban parsed them for an earlier page. Every page gets a new context (its own limits
    /// and token), and a context parses each include again; handing it the parsed ones saves a third of a page's
    /// rendering time. A parsed template is only read while rendering, so the contexts of several threads share it.
    /// </summary>
    private readonly ConcurrentDictionary<string, Template> _includes = new(StringComparer.Ordinal);

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

    /// <summary>
    /// Renders a template with the given globals under the safe settings: strict variables, and limits sized to the
    /// data so that a broken or hostile user template fails quickly with a <see cref="TemplateRenderException"/>
    /// instead of hanging the run or filling the disk: loop iterations (16 per data item + 10,000), output and
    /// string length (16 Mi characters + 4 Ki per data item + twice the text handed in), recursion depth, and
    /// <paramref name="timeLimit"/> of wall time. Cancelling <paramref name="cancellationToken"/> stops it too.
    /// </summary>
    public string Render(string name, ScriptObject globals, TimeSpan timeLimit, CancellationToken cancellationToken = default)
    {
        var template = _parsed.GetOrAdd(name, n =>
        {
            var parsed = Template.Parse(GetText(n), n);
            if (parsed.HasErrors)
                throw new TemplateRenderException(n, $"{Describe(n)} does not parse: {string.Join("; ", parsed.Messages)}");
            return parsed;
        });
        var (items, chars) = DataSize.Measure(globals);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeLimit);
        var context = CreateContext(items, chars, timeout.Token);
        foreach (var (path, include) in _includes) context.CachedTemplates[path] = include;
        context.PushGlobal(globals);
        try
        {
            return template.Render(context);
        }
        catch (Exception ex) when (ex is ScriptRuntimeException or ScriptAbortException or OperationCanceledException or InvalidOperationException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (timeout.IsCancellationRequested)
                throw new TemplateRenderException(name, $"{Describe(name)} did not finish within {timeLimit.TotalSeconds:0.#} s: stopped.", ex);
            if (ex is TemplateRenderException) throw;
            throw new TemplateRenderException(name, $"{Describe(name)} failed: {ex.Message}", ex);
        }
        finally
        {
            foreach (var (path, include) in context.CachedTemplates)
                if (!include.HasErrors) _includes.TryAdd(path, include);
        }
    }

    /// <summary>The loop limit for a page whose data holds <paramref name="items"/> items.</summary>
    internal static int LoopLimitFor(long items) => (int)Math.Min(int.MaxValue, 10_000 + 16 * items);

    /// <summary>The output (and string) limit in characters for a page's data.</summary>
    internal static int OutputLimitFor(long items, long chars) => (int)Math.Min(int.MaxValue / 2, (16L << 20) + 4096 * items + 2 * chars);

    private string Describe(string name) =>
        _overrideDirectory is not null && File.Exists(Path.Combine(_overrideDirectory, name.Replace('/', Path.DirectorySeparatorChar)))
            ? $"Template '{name}' (from the template directory {_overrideDirectory})"
            : $"Template '{name}'";

    private StoppableContext CreateContext(long items, long chars, CancellationToken cancellationToken)
    {
        int output = OutputLimitFor(items, chars);
        return new StoppableContext
        {
            CancellationToken = cancellationToken,
            StrictVariables = true,
            LoopLimit = LoopLimitFor(items),
            LoopLimitQueryable = LoopLimitFor(items),
            RecursiveLimit = 100,
            LimitToString = output,
            OutputLimit = output,
            OnStringLimit = ScriptLimitBehavior.Throw,
            OnOutputLimit = ScriptLimitBehavior.Throw,
            RegexTimeOut = TimeSpan.FromSeconds(2),
            TemplateLoader = this,
            MemberRenamer = member => member.Name,
            NewLine = "\n",
        };
    }

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
        if (resource is null) throw new TemplateRenderException(name, $"No template named '{name}' (embedded or in the template directory).");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Normalise(reader.ReadToEnd());
    }

    // Line endings as LF whatever the checkout did, so output is the same on every machine.
    private static string Normalise(string text) => text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>Scriban checks its token between statements of a block, not on every loop step: this does.</summary>
    private sealed class StoppableContext : TemplateContext
    {
        protected override bool OnStepLoop(ScriptLoopStatementBase loop)
        {
            CancellationToken.ThrowIfCancellationRequested();
            return base.OnStepLoop(loop);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_./-]*$")]
    private static partial Regex ValidName();
}

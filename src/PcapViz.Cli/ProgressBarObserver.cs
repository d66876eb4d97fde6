using PcapViz.Model;
using PcapViz.Orchestration;
using Spectre.Console;

namespace PcapViz.Cli;

/// <summary>
/// A live progress bar on a terminal: reading (files done/total, bytes/s, ETA and the files being read), then
/// rendering (captures rendered/total, then the run's files). Messages go through the same console, which prints
/// them above the bar (clears it, prints, draws it again), so a message never shares a line with the bar.
/// </summary>
internal sealed class ProgressBarObserver(IAnsiConsole console, ProgressContext context, Verbosity verbosity, PhaseRateColumn rate, ProgressLayout layout) : IRunObserver
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _current = [];
    private ProgressTask? _task;
    private ProgressTask? _render;
    private int _total;
    private int _done;

    public void Discovered(int files, long totalBytes)
    {
        _total = files;
        _task = context.AddTask(Describe(), maxValue: Math.Max(1, totalBytes));
    }

    private string Describe() => layout.Describe(_done, _total, _current.Take(2));

    public void CaptureStarted(string path, long sizeBytes)
    {
        lock (_lock)
        {
            _current.Add(path);
            if (_task is not null) _task.Description = Describe();
        }
    }

    public void BytesRead(long delta) => _task?.Increment(delta);

    public void CaptureFinished(CaptureResult result, bool reused)
    {
        lock (_lock)
        {
            _done++;
            _current.Remove(result.Input.Path);
            if (_task is not null) _task.Description = Describe();
        }
        foreach (var issue in result.Issues.Where(i => i.Severity == IssueSeverity.Error || verbosity == Verbosity.Verbose))
            Print($"[{(issue.Severity == IssueSeverity.Error ? "red" : "yellow")}]{Markup.Escape(Terminal.Safe(result.Input.Path))}[/]: {Markup.Escape(Terminal.Safe(issue.Message))}");
    }

    public void InputRead(string path)
    {
        lock (_lock)
        {
            _done++;
            _current.Remove(path);
            if (_task is not null) _task.Description = Describe();
        }
    }

    /// <summary>Reading is over: its bar stands full ("read"), and a second bar counts the captures rendered.</summary>
    public void RenderStarted(int captures, int carried)
    {
        lock (_lock)
        {
            if (_task is not null)
            {
                _task.Value = _task.MaxValue;
                _task.Description = Invariant.Text($"[bold]{_done}/{_total}[/] read");
                _task.StopTask();
            }
            _render = context.AddTask(Invariant.Text($"rendering {Names.Count(captures, "capture")}"), maxValue: Math.Max(1, captures));
            rate.CountsItems(_render);
        }
    }

    public void CaptureRendered(CaptureResult capture)
    {
        _render?.Increment(1);
        if (verbosity == Verbosity.Verbose) Print(Markup.Escape($"rendered {Terminal.Safe(capture.Input.Path)}"));
    }

    public void RunRenderStarted()
    {
        lock (_lock)
        {
            if (_render is null) return;
            _render.Value = _render.MaxValue;
            _render.Description = "rendering the run's files";
        }
    }

    public void RenderFinished()
    {
        lock (_lock)
        {
            if (_render is null) return;
            _render.Value = _render.MaxValue;
            _render.Description = "rendered";
        }
    }

    public void Complete()
    {
        if (_task is not null) _task.Value = _task.MaxValue;
        if (_render is not null) _render.Value = _render.MaxValue;
    }

    public void Info(string message)
    {
        if (verbosity == Verbosity.Verbose) Print(Markup.Escape(message));
    }

    public void Warning(string message) => Print($"[yellow]warning[/]: {Markup.Escape(message)}");

    public void Error(string message) => Print($"[red]error[/]: {Markup.Escape(message)}");

    /// <summary>
    /// One message above the bar, in a single write (the console puts it where the bar was and draws the bar again
    /// below it), every screen line of it cleared first: a message that wraps onto the bar's old line, or is
    /// shorter than it, leaves none of the bar behind.
    /// </summary>
    private void Print(string markup) => console.Write(new ClearedLines(new Markup(markup + "\n")));
}

/// <summary>A renderable whose every line starts by erasing the screen line it is written on.</summary>
internal sealed class ClearedLines(Spectre.Console.Rendering.IRenderable inner) : Spectre.Console.Rendering.IRenderable
{
    private const string EraseLine = "\u001b[2K";

    public Spectre.Console.Rendering.Measurement Measure(Spectre.Console.Rendering.RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

    public IEnumerable<Spectre.Console.Rendering.Segment> Render(Spectre.Console.Rendering.RenderOptions options, int maxWidth)
    {
        yield return Spectre.Console.Rendering.Segment.Control(EraseLine);
        foreach (var segment in inner.Render(options, maxWidth))
        {
            yield return segment;
            if (segment.IsLineBreak) yield return Spectre.Console.Rendering.Segment.Control(EraseLine);
        }
    }
}

/// <summary>
/// Column widths that fit one terminal line per task: when the description is wider than its share, the console
/// library squeezes the other columns and wraps them ("7.8 MiB/s" over three lines), and the bar takes several
/// lines that jump about. The bar narrows on narrow terminals; the description is cut to what is left.
/// </summary>
internal sealed record ProgressLayout(int BarWidth, int DescriptionWidth)
{
    /// <summary>Percentage (4), rate (up to 11: "999.9 MiB/s"), time left (8) and the four gaps between five columns.</summary>
    private const int OtherColumns = 4 + 11 + 8 + 4;

    public static ProgressLayout For(int width)
    {
        int bar = Math.Clamp(width - 75, 10, 40);
        return new ProgressLayout(bar, Math.Max(12, width - bar - OtherColumns - 1));
    }

    /// <summary>"12/79 site-a/x.pcap, …long/path/y.pcap" (markup), at most <see cref="DescriptionWidth"/> characters shown.</summary>
    public string Describe(int done, int total, IEnumerable<string> current)
    {
        string count = Invariant.Text($"{done}/{total}");
        int room = DescriptionWidth - count.Length - 1;
        string files = string.Join(", ", current.Select(Terminal.Safe));
        if (files.Length > room) files = room < 2 ? "" : "…" + files[^(room - 1)..];
        return files.Length == 0 ? $"[bold]{count}[/]" : $"[bold]{count}[/] {Markup.Escape(files)}";
    }
}

/// <summary>Bytes/s for the reading bar; "done/total" for the rendering bar, whose steps are captures, not bytes.</summary>
internal sealed class PhaseRateColumn : ProgressColumn
{
    private readonly TransferSpeedColumn _speed = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _counted = new();

    /// <summary>Shows <paramref name="task"/> as a count of items rather than a byte rate.</summary>
    public void CountsItems(ProgressTask task) => _counted[task.Id] = true;

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        _counted.ContainsKey(task.Id)
            ? new Text(Invariant.Text($"{task.Value:0}/{task.MaxValue:0}"))
            : _speed.Render(options, task, deltaTime);
}

namespace PcapViz.Cli;

/// <summary>The host: everything lives in <see cref="CliApp"/> and the libraries, which tests call directly.</summary>
internal static class Program
{
    public static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}

namespace PcapViz.Generator;

internal static class Program
{
    private static int Main(string[] args) => GeneratorCommandLine.Run(args, Console.Out, Console.Error);
}

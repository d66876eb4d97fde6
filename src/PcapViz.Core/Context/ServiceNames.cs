namespace PcapViz.Context;

/// <summary>
/// Service names of transport ports from the subset of the IANA registry shipped with the tool
/// (Context/Data/iana-service-names.txt, its header says which subset and version). A port not listed has no name:
/// it is shown by number, never guessed.
/// </summary>
public static class ServiceNames
{
    private const string Resource = "PcapViz.Context.Data.iana-service-names.txt";

    /// <summary>The version of the shipped subset (its PCAPVIZ-VERSION line).</summary>
    public static string Version { get; private set; } = ""; // declared before Names, whose Load sets it

    private static readonly Dictionary<(int Protocol, int Port), string> Names = Load();

    /// <summary>The registry's name of <paramref name="port"/> over <paramref name="protocol"/> (6 TCP, 17 UDP, 132
    /// SCTP), or null.</summary>
    public static string? Of(int protocol, int port) => Names.GetValueOrDefault((protocol, port));

    private static Dictionary<(int, int), string> Load()
    {
        using var stream = typeof(ServiceNames).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        var names = new Dictionary<(int, int), string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("# PCAPVIZ-VERSION:", StringComparison.Ordinal)) Version = line["# PCAPVIZ-VERSION:".Length..].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3 || !int.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out int port))
                throw new InvalidOperationException($"{Resource}: malformed line \"{line}\".");
            foreach (var transport in fields[1].Split(','))
            {
                int protocol = transport switch
                {
                    "tcp" => 6,
                    "udp" => 17,
                    "sctp" => 132,
                    _ => throw new InvalidOperationException($"{Resource}: unknown transport \"{transport}\" in \"{line}\"."),
                };
                if (!names.TryAdd((protocol, port), fields[2]))
                    throw new InvalidOperationException($"{Resource}: {transport} port {port} is listed twice.");
            }
        }
        return names;
    }
}

namespace PcapViz.Protocols.Tests;

/// <summary>Hex literals as the RFCs print them (spaces and line breaks allowed).</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) =>
        Convert.FromHexString(new string(hex.Where(Uri.IsHexDigit).ToArray()));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

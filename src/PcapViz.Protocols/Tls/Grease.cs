namespace PcapViz.Protocols.Tls;

/// <summary>GREASE values (RFC 8701): 0x0A0A, 0x1A1A, ... 0xFAFA, reserved so that peers learn to ignore them.</summary>
internal static class Grease
{
    public static bool Is(ushort value) => (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

using System.Text;
using PcapViz.Pseudonymisation;

namespace PcapViz.Tests;

/// <summary>Pseudonym key files: raw, hex and base64 forms, and the errors for everything else (docs/pseudonymisation.md).</summary>
public sealed class PseudonymKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly byte[] SampleKey = PseudonymTestKeys.Sample;

    private static byte[] Key(int seed) => PseudonymTestKeys.Random(seed);

    [Fact]
    public void Load_RawHexAndBase64OfTheSameBytes_SameKey()
    {
        byte[] key = Key(1);
        string raw = _dir.File("raw.key", key);
        string hex = _dir.File("hex.key", Encoding.ASCII.GetBytes("  " + Convert.ToHexStringLower(key) + "\n"));
        string hexUpper = _dir.File("hexu.key", Encoding.ASCII.GetBytes(Convert.ToHexString(key) + "\r\n"));
        string b64 = _dir.File("b64.key", Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n\n"));

        string expected = PseudonymKey.FromBytes(key).KeyId;
        Assert.Equal(expected, PseudonymKey.Load(raw).KeyId);
        Assert.Equal(expected, PseudonymKey.Load(hex).KeyId);
        Assert.Equal(expected, PseudonymKey.Load(hexUpper).KeyId);
        Assert.Equal(expected, PseudonymKey.Load(b64).KeyId);
        Assert.Equal(16, expected.Length);
        Assert.NotEqual(expected, PseudonymKey.FromBytes(Key(2)).KeyId);
    }

    [Fact]
    public void Load_RawKeyWithNewlineBytes_StillRaw()
    {
        // Raw random bytes may hold 0x0A or 0x20 anywhere, including at the ends: 32 bytes that are not all text are raw.
        byte[] key = Key(3);
        key[0] = (byte)'\n';
        key[31] = (byte)' ';
        key[5] = 0x00;
        Assert.Equal(PseudonymKey.FromBytes(key).KeyId, PseudonymKey.Load(_dir.File("raw.key", key)).KeyId);
    }

    public static TheoryData<string, byte[], string> BadKeyFiles()
    {
        byte[] key = Key(4);
        return new()
        {
            { "empty", [], "is empty" },
            { "short raw", key[..31], "31 bytes that are not text" },
            { "long raw", [.. key, 7], "33 bytes that are not text" },
            { "short hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key)[..62] + "\n"), "62 hex digits" },
            { "long hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key) + "00"), "66 hex digits" },
            { "32 hex digits", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key)[..32]), "32 hex digits" },
            { "short base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(key[..31])), "base64 of 31 bytes" },
            { "long base64", Encoding.ASCII.GetBytes(Convert.ToBase64String([.. key, .. key])), "base64 of 64 bytes" },
            { "not a key", Encoding.ASCII.GetBytes("not-a-key,just-words\n"), "neither hex digits nor base64" },
            { "whitespace only", Encoding.ASCII.GetBytes(" \n\t\n"), "only whitespace" },
            { "split hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key)[..32] + "\n" + Convert.ToHexStringLower(key)[32..]), "whitespace inside" },
        };
    }

    [Theory]
    [MemberData(nameof(BadKeyFiles))]
    public void Load_BadKeyFile_ErrorNamesFileAndProblemButNotTheKey(string name, byte[] content, string problem)
    {
        string path = _dir.File("bad.key", content); // one case per test instance: its own directory
        var error = Assert.Throws<InvalidDataException>(() => PseudonymKey.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), name + ": " + error.Message);
        string text = Encoding.ASCII.GetString(content).Trim();
        if (text.Length >= 8) Assert.DoesNotContain(text[..8], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HugeFile_RefusedUnread()
    {
        string path = _dir.File("huge.key", new byte[100_000]);
        var error = Assert.Throws<InvalidDataException>(() => PseudonymKey.Load(path));
        Assert.Contains("100000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Key_NeverShowsTheKey()
    {
        var key = PseudonymKey.FromBytes(SampleKey);
        string shown = key.ToString();
        Assert.DoesNotContain(Convert.ToHexStringLower(SampleKey)[..8], shown, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(SampleKey)[..8], shown, StringComparison.Ordinal);
        Assert.Contains(key.KeyId, shown, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => PseudonymKey.FromBytes(new byte[16]));
    }
}

/// <summary>Keys the pseudonymisation tests share.</summary>
internal static class PseudonymTestKeys
{
    /// <summary>The sample key of the Crypto-PAn source distribution (Xu et al.), the key of its sample trace.</summary>
    public static readonly byte[] Sample =
    [
        21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
        216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
    ];

    /// <summary>32 bytes from a seeded generator (deterministic).</summary>
    public static byte[] Random(int seed)
    {
        var key = new byte[32];
        new System.Random(seed).NextBytes(key);
        return key;
    }
}

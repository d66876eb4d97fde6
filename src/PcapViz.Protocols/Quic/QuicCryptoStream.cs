namespace PcapViz.Protocols.Quic;

/// <summary>
/// Reassembles CRYPTO frame data by offset (RFC 9000 §19.6): frames may arrive out of order, repeat or overlap, and
/// spread over several Initial packets. Keeps at most <c>cap</c> bytes from offset 0 and at most
/// <see cref="MaxRanges"/> separate ranges; anything beyond is dropped and <see cref="Truncated"/> set.
/// </summary>
internal sealed class QuicCryptoStream
{
    public const int MaxRanges = 64;
    private readonly int _cap;
    private byte[] _data = [];
    private readonly List<(int Start, int End)> _ranges = []; // sorted, disjoint, non-adjacent

    public QuicCryptoStream(int cap) => _cap = Math.Max(0, cap);

    public bool Truncated { get; private set; }

    /// <summary>Bytes available without a gap from offset 0.</summary>
    public int ContiguousLength => _ranges.Count > 0 && _ranges[0].Start == 0 ? _ranges[0].End : 0;

    public ReadOnlySpan<byte> Contiguous => _data.AsSpan(0, ContiguousLength);

    public void Add(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if (offset >= (ulong)_cap) { Truncated = true; return; }
        int start = (int)offset;
        int length = Math.Min(data.Length, _cap - start);
        if (length < data.Length) Truncated = true;
        int end = start + length;
        if (_ranges.Count >= MaxRanges && !Touches(start, end)) { Truncated = true; return; }
        if (_data.Length < end) Array.Resize(ref _data, Math.Min(_cap, Math.Max(end, _data.Length * 2)));
        data[..length].CopyTo(_data.AsSpan(start));
        Insert(start, end);
    }

    private bool Touches(int start, int end) => _ranges.Any(r => r.Start <= end && start <= r.End);

    private void Insert(int start, int end)
    {
        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start) i++;
        while (i < _ranges.Count && _ranges[i].Start <= end)
        {
            start = Math.Min(start, _ranges[i].Start);
            end = Math.Max(end, _ranges[i].End);
            _ranges.RemoveAt(i);
        }
        _ranges.Insert(i, (start, end));
    }
}

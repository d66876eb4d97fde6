using System.Buffers.Binary;

namespace PcapViz.Decoding;

/// <summary>
/// IEEE 802.11, decoded natively: the MAC header of data frames (every subtype, QoS, HT control, four addresses)
/// and LLC/SNAP to the EtherType, behind the pseudo-headers that Wi-Fi capture drivers prepend (radiotap, PPI,
/// Prism, AVS). docs/analysis.md lists the rules.
/// </summary>
internal sealed partial class PacketDecoder
{
    // Frame control (IEEE 802.11-2020 9.2.4.1): byte 0 = version (2 bits), type (2), subtype (4); byte 1 = flags.
    private const int Ieee80211TypeData = 2;
    private const int SubtypeQosBit = 0x08;
    private const int SubtypeNoDataBit = 0x04;
    private const byte FlagToDs = 0x01;
    private const byte FlagFromDs = 0x02;
    private const byte FlagProtected = 0x40;
    private const byte FlagOrder = 0x80;
    private const int Ieee80211HeaderLength = 24;
    private const int Address4Length = 6;
    private const int QosControlLength = 2;
    private const int HtControlLength = 4;
    private const int SequenceControlOffset = 22;
    private const byte QosAmsduPresent = 0x80;
    private const int LlcSnapLength = 8;

    // Radiotap (https://www.radiotap.org): version, pad, length (LE), then present words (LE) while bit 31 is set.
    private const int RadiotapMinLength = 8;
    private const uint RadiotapPresentTsft = 1u << 0;
    private const uint RadiotapPresentFlags = 1u << 1;
    private const uint RadiotapPresentExtended = 1u << 31;
    private const byte RadiotapFlagFcsAtEnd = 0x10;
    private const byte RadiotapFlagDataPad = 0x20;
    private const int FcsLength = 4;

    // Prism (wlan-ng): message code, message length (host order), device name, then ten 12-byte items: 144 bytes.
    private const int PrismMinLength = 8;
    // AVS (wlan-ng capture header): magic/version 0x8021100N and header length, both big-endian.
    private const uint AvsMagicMask = 0xFFFFFFF0;
    private const uint AvsMagic = 0x80211000;
    private const int AvsMinLength = 8;

    // PPI (Per-Packet Information): version, flags, length (LE), DLT (LE), then fields (type LE, length LE, data).
    private const int PpiFieldHeaderLength = 4;
    private const int PpiField80211Common = 2;
    private const int PpiCommonFlagsOffset = 8;
    private const int PpiCommonFlagFcs = 0x0001;

    /// <summary>LINKTYPE_IEEE802_11_RADIOTAP (127).</summary>
    private static void DecodeRadiotap(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < RadiotapMinLength || d[0] != 0)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Radiotap);
            return;
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
        if (length < RadiotapMinLength || length > d.Length)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Radiotap);
            return;
        }
        uint present = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
        int pos = 4;
        uint word = present;
        while ((word & RadiotapPresentExtended) != 0)
        {
            pos += 4;
            if (pos + 4 > length)
            {
                Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Radiotap);
                return;
            }
            word = BinaryPrimitives.ReadUInt32LittleEndian(d[pos..]);
        }
        pos += 4; // first field; fields are aligned to their natural size from the start of the header
        byte flags = 0;
        if ((present & RadiotapPresentTsft) != 0) pos = ((pos + 7) & ~7) + 8;
        if ((present & RadiotapPresentFlags) != 0)
        {
            if (pos >= length)
            {
                Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Radiotap);
                return;
            }
            flags = d[pos];
        }
        DecodeIeee80211(d[length..], wireLength - length, (flags & RadiotapFlagFcsAtEnd) != 0, (flags & RadiotapFlagDataPad) != 0, ref view);
    }

    /// <summary>LINKTYPE_IEEE802_11_PRISM (119); an AVS header under this link type is recognised by its magic.</summary>
    private static void DecodePrism(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length >= 4 && (BinaryPrimitives.ReadUInt32BigEndian(d) & AvsMagicMask) == AvsMagic)
        {
            DecodeAvs(d, wireLength, ref view);
            return;
        }
        if (d.Length < PrismMinLength)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Prism);
            return;
        }
        // The message length is in the capturing host's byte order: take whichever order gives a length that fits.
        uint little = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
        uint big = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        uint length = little >= PrismMinLength && little <= (uint)d.Length ? little
            : big >= PrismMinLength && big <= (uint)d.Length ? big : 0;
        if (length == 0)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Prism);
            return;
        }
        DecodeIeee80211(d[(int)length..], wireLength - (int)length, fcsAtEnd: false, dataPad: false, ref view);
    }

    /// <summary>LINKTYPE_IEEE802_11_AVS (163).</summary>
    private static void DecodeAvs(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        uint length = d.Length >= AvsMinLength ? BinaryPrimitives.ReadUInt32BigEndian(d[4..]) : 0;
        if (d.Length < AvsMinLength || (BinaryPrimitives.ReadUInt32BigEndian(d) & AvsMagicMask) != AvsMagic ||
            length < AvsMinLength || length > (uint)d.Length)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ieee80211Avs);
            return;
        }
        DecodeIeee80211(d[(int)length..], wireLength - (int)length, fcsAtEnd: false, dataPad: false, ref view);
    }

    /// <summary>LINKTYPE_PPI (192): the inner link type's frame after the PPI header; an 802.11-common field can say the frame ends in an FCS.</summary>
    private void DecodePpi(ReadOnlySpan<byte> d, int wireLength, ref PacketView view, int depth)
    {
        int headerLength = d.Length >= PpiHeaderLength ? BinaryPrimitives.ReadUInt16LittleEndian(d[2..]) : 0;
        if (d.Length < PpiHeaderLength || headerLength < PpiHeaderLength || headerLength > d.Length)
        {
            Undecodable(ref view, UndecodedCause.MalformedLinkHeader, LinkTypes.Ppi);
            return;
        }
        int inner = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
        var frame = d[headerLength..];
        int wire = wireLength - headerLength;
        if (inner != LinkTypes.Ieee80211)
        {
            DecodeLink(inner, frame, wire, ref view, depth + 1);
            return;
        }
        bool fcs = false;
        bool aligned = (d[1] & 0x01) != 0;
        int pos = PpiHeaderLength;
        while (pos + PpiFieldHeaderLength <= headerLength)
        {
            int type = BinaryPrimitives.ReadUInt16LittleEndian(d[pos..]);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(d[(pos + 2)..]);
            int data = pos + PpiFieldHeaderLength;
            if (data + length > headerLength) break;
            if (type == PpiField80211Common && length >= PpiCommonFlagsOffset + 2)
                fcs = (BinaryPrimitives.ReadUInt16LittleEndian(d[(data + PpiCommonFlagsOffset)..]) & PpiCommonFlagFcs) != 0;
            pos = data + length;
            if (aligned) pos = (pos + 3) & ~3;
        }
        DecodeIeee80211(frame, wire, fcs, dataPad: false, ref view);
    }

    /// <summary>
    /// One 802.11 frame. Management, control and extension frames, data frames without data (null function,
    /// QoS null, CF-ack/poll without data) and continuation fragments are not IP; protected frames are not IP
    /// either but are noted (they are encrypted); an A-MSDU is counted as undecoded.
    /// </summary>
    private static void DecodeIeee80211(ReadOnlySpan<byte> d, int wireLength, bool fcsAtEnd, bool dataPad, ref PacketView view)
    {
        if (fcsAtEnd)
        {
            // The FCS is the last 4 bytes on the wire; only what the capture holds before them is frame.
            wireLength -= FcsLength;
            if (wireLength < 0) return;
            if (d.Length > wireLength) d = d[..wireLength];
        }
        if (d.Length < 2) return;
        byte control = d[0], flags = d[1];
        if ((control & 0x03) != 0) return; // protocol version other than 0: not a frame this standard defines
        if (((control >> 2) & 0x03) != Ieee80211TypeData) return;
        int subtype = control >> 4;
        if ((subtype & SubtypeNoDataBit) != 0) return;
        int header = Ieee80211HeaderLength;
        if ((flags & (FlagToDs | FlagFromDs)) == (FlagToDs | FlagFromDs)) header += Address4Length;
        bool amsdu = false;
        if ((subtype & SubtypeQosBit) != 0)
        {
            if (d.Length < header + QosControlLength) return;
            amsdu = (d[header] & QosAmsduPresent) != 0;
            header += QosControlLength;
            if ((flags & FlagOrder) != 0) header += HtControlLength; // +HTC: only QoS data frames carry HT control
        }
        if (d.Length < header) return;
        if ((flags & FlagProtected) != 0)
        {
            view.Notes |= DecodeNotes.Ieee80211Protected;
            return;
        }
        if ((d[SequenceControlOffset] & 0x0F) != 0) return; // a later fragment of an 802.11 MSDU: no LLC header
        if (dataPad) header = (header + 3) & ~3;
        if (amsdu)
        {
            Undecodable(ref view, UndecodedCause.Ieee80211Amsdu, LinkTypes.Ieee80211);
            return;
        }
        if (d.Length < header + LlcSnapLength || !IsSnapWithEtherType(d[header..], allowBridgeTunnel: true)) return;
        int etherType = BinaryPrimitives.ReadUInt16BigEndian(d[(header + 6)..]);
        int pos = header + LlcSnapLength;
        DecodeEtherType(etherType, d[pos..], wireLength - pos, ref view);
    }

    /// <summary>
    /// LLC (DSAP 0xAA, SSAP 0xAA, UI 0x03) and SNAP with the zero OUI (RFC 1042), or on 802.11 also 00-00-F8
    /// (802.1H bridge tunnel): the next two bytes are an EtherType.
    /// </summary>
    private static bool IsSnapWithEtherType(ReadOnlySpan<byte> d, bool allowBridgeTunnel) =>
        d.Length >= LlcSnapLength && d[0] == 0xAA && d[1] == 0xAA && d[2] == 0x03 && d[3] == 0 && d[4] == 0 &&
        (d[5] == 0 || (allowBridgeTunnel && d[5] == 0xF8));
}

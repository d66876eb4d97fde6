using System.Globalization;

namespace PcapViz.Model;

/// <summary>One way to print times, shared by every renderer.</summary>
public static class TimeFormat
{
    /// <summary>ISO 8601 UTC with microseconds: <c>2024-01-01T00:00:00.000000Z</c> (data files).</summary>
    internal static string IsoUtcMicros(long epochNanos)
    {
        Span<byte> utf8 = stackalloc byte[IsoUtcMicrosLength];
        WriteIsoUtcMicros(epochNanos, utf8);
        return System.Text.Encoding.ASCII.GetString(utf8);
    }

    /// <summary>Length of <see cref="IsoUtcMicros"/>'s text.</summary>
    internal const int IsoUtcMicrosLength = 27;

    /// <summary><see cref="IsoUtcMicros"/> written as ASCII into <paramref name="utf8"/> (at least
    /// <see cref="IsoUtcMicrosLength"/> bytes), without a format string: data files write one per flow.</summary>
    internal static void WriteIsoUtcMicros(long epochNanos, Span<byte> utf8)
    {
        var (seconds, nanos) = Split(epochNanos);
        long days = Math.DivRem(seconds, 86_400L, out long secondOfDay);
        if (secondOfDay < 0) { days--; secondOfDay += 86_400L; }
        var (year, month, day) = CivilFromDays(days);
        Digits(utf8, 0, year, 4);
        utf8[4] = (byte)'-';
        Digits(utf8, 5, month, 2);
        utf8[7] = (byte)'-';
        Digits(utf8, 8, day, 2);
        utf8[10] = (byte)'T';
        Digits(utf8, 11, (int)(secondOfDay / 3600), 2);
        utf8[13] = (byte)':';
        Digits(utf8, 14, (int)(secondOfDay / 60 % 60), 2);
        utf8[16] = (byte)':';
        Digits(utf8, 17, (int)(secondOfDay % 60), 2);
        utf8[19] = (byte)'.';
        Digits(utf8, 20, (int)(nanos / 1000), 6);
        utf8[26] = (byte)'Z';
    }

    /// <summary>
    /// The proleptic Gregorian date of a day counted from 1970-01-01 (the "days from civil" inverse published by
    /// Howard Hinnant, in whole numbers): what <see cref="DateTime"/> computes, without its three passes over the ticks
    /// for year, month and day (a data file writes two times per flow).
    /// </summary>
    private static (int Year, int Month, int Day) CivilFromDays(long days)
    {
        days += 719_468; // from 0000-03-01
        long era = (days >= 0 ? days : days - 146_096) / 146_097;
        long dayOfEra = days - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long monthFromMarch = (5 * dayOfYear + 2) / 153;
        int day = (int)(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1);
        int month = (int)(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
        int year = (int)(yearOfEra + era * 400) + (month <= 2 ? 1 : 0);
        return (year, month, day);
    }

    private static void Digits(Span<byte> utf8, int at, int value, int count)
    {
        for (int i = at + count - 1; i >= at; i--)
        {
            utf8[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>ISO 8601 UTC, whole seconds: <c>2024-01-01T00:00:00Z</c> (bin starts).</summary>
    public static string IsoUtcSeconds(long epochSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(epochSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>For people: <c>2024-01-01 01:00:00.123456 +01:00</c> in the given zone, always with the offset.</summary>
    public static string Display(long epochNanos, TimeZoneInfo zone)
    {
        var (seconds, nanos) = Split(epochNanos);
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(seconds), zone);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               (nanos / 1000).ToString("D6", CultureInfo.InvariantCulture) + " " + Offset(local.Offset);
    }

    /// <summary>For people, whole seconds: <c>2024-01-01 01:00:00 +01:00</c>.</summary>
    public static string DisplaySeconds(long epochSeconds, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(epochSeconds), zone);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + Offset(local.Offset);
    }

    /// <summary>
    /// "from A to B" for an elided stretch of a timeline (bin boundaries, whole seconds), each end with its own offset.
    /// </summary>
    public static string Span(long fromEpochSeconds, long toEpochSeconds, TimeZoneInfo zone) =>
        DisplaySeconds(fromEpochSeconds, zone) + " to " + DisplaySeconds(toEpochSeconds, zone);

    /// <summary>"UTC", or the zone's IANA name ("Europe/Berlin") where no instant is at hand.</summary>
    public static string ZoneName(TimeZoneInfo zone) => IsUtc(zone) ? "UTC" : zone.Id;

    /// <summary>
    /// "UTC" or "Europe/Berlin (UTC+02:00)" for times from <paramref name="fromEpochSeconds"/> to
    /// <paramref name="toEpochSeconds"/>: the zone and every offset in force at some instant of that range, in
    /// order ("Europe/Berlin (UTC+01:00, +02:00)" for a range across a change). Never the offset of today.
    /// </summary>
    public static string ZoneLabel(TimeZoneInfo zone, long fromEpochSeconds, long toEpochSeconds)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (IsUtc(zone)) return "UTC";
        var offsets = OffsetsIn(zone, Math.Min(fromEpochSeconds, toEpochSeconds), Math.Max(fromEpochSeconds, toEpochSeconds));
        return $"{zone.Id} (UTC{string.Join(", ", offsets.Select(Offset))})";
    }

    /// <summary>The zone label for a capture's (or run's) first to last packet; the bare zone name when it has none.</summary>
    public static string ZoneLabel(TimeZoneInfo zone, CaptureSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.FirstPacketEpochNanos is long first && summary.LastPacketEpochNanos is long last
            ? ZoneLabel(zone, Split(first).Seconds, Split(last).Seconds)
            : ZoneName(zone);
    }

    /// <summary>The zone label for a timeline, from its first bin's start to its last bin's end.</summary>
    public static string ZoneLabel(TimeZoneInfo zone, TrafficResult traffic)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        return traffic.Bins.Count == 0 ? ZoneName(zone)
            : ZoneLabel(zone, traffic.Bins[0].StartEpochSeconds, traffic.Bins[^1].StartEpochSeconds + traffic.BinSeconds);
    }

    /// <summary>
    /// Every UTC offset the zone has at some instant of the range, ascending. Samples the range at both ends and
    /// at least once a day (at most ~3,700 samples; for longer ranges evenly spaced ones, which still see every
    /// offset that lasts longer than the spacing, as daylight saving time does).
    /// </summary>
    internal static IReadOnlyList<TimeSpan> OffsetsIn(TimeZoneInfo zone, long fromEpochSeconds, long toEpochSeconds)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var offsets = new SortedSet<TimeSpan> { OffsetAt(zone, fromEpochSeconds), OffsetAt(zone, toEpochSeconds) };
        long step = Math.Max(86_400, (toEpochSeconds - fromEpochSeconds) / 3_660 + 1);
        for (long t = fromEpochSeconds; t < toEpochSeconds; t += step) offsets.Add(OffsetAt(zone, t));
        return offsets.ToList();
    }

    private static TimeSpan OffsetAt(TimeZoneInfo zone, long epochSeconds) =>
        zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(epochSeconds));

    private static bool IsUtc(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC";

    /// <summary>A bin width for people: "2 s", "5 min", "1 h", "1 d".</summary>
    public static string BinWidth(int seconds) => seconds switch
    {
        _ when seconds % 86400 == 0 => Invariant.Text($"{seconds / 86400} d"),
        _ when seconds % 3600 == 0 => Invariant.Text($"{seconds / 3600} h"),
        _ when seconds % 60 == 0 => Invariant.Text($"{seconds / 60} min"),
        _ => Invariant.Text($"{seconds} s"),
    };

    /// <summary>
    /// A duration for people, two units at most: "850 ms", "24.5 s", "3 min 05 s", "1 h 02 min", "2 d 03 h".
    /// Exact values stay in the data files (<c>durationSeconds</c>).
    /// </summary>
    public static string Duration(double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        if (double.IsNaN(seconds) || seconds <= 0) return "0 s";
        if (seconds < 1) return Math.Max(1, (long)Math.Round(seconds * 1000)).ToString(inv) + " ms";
        if (seconds < 10) return Math.Round(seconds, 2).ToString("0.##", inv) + " s";
        if (seconds < 60) return Math.Round(seconds, 1).ToString("0.#", inv) + " s";
        long whole = (long)Math.Round(seconds);
        long days = whole / 86400, hours = whole % 86400 / 3600, minutes = whole % 3600 / 60, secs = whole % 60;
        if (days > 0) return string.Create(inv, $"{days} d {hours:D2} h");
        if (hours > 0) return string.Create(inv, $"{hours} h {minutes:D2} min");
        return string.Create(inv, $"{minutes} min {secs:D2} s");
    }

    /// <summary>"+02:00", "-03:30", "+00:00".</summary>
    internal static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);

    private static (long Seconds, long Nanos) Split(long epochNanos)
    {
        long seconds = Math.DivRem(epochNanos, 1_000_000_000L, out long nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        return (seconds, nanos);
    }
}

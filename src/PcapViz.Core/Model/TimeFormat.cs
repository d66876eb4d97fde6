using System.Globalization;

namespace PcapViz.Model;

/// <summary>One way to print times, shared by every renderer.</summary>
public static class TimeFormat
{
    /// <summary>ISO 8601 UTC with microseconds: <c>2024-01-01T00:00:00.000000Z</c> (data files).</summary>
    public static string IsoUtcMicros(long epochNanos)
    {
        var (seconds, nanos) = Split(epochNanos);
        var dt = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               (nanos / 1000).ToString("D6", CultureInfo.InvariantCulture) + "Z";
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

    /// <summary>"UTC" or "Europe/Berlin (UTC+01:00)" — for axis titles and captions.</summary>
    public static string ZoneLabel(TimeZoneInfo zone) =>
        zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC" ? "UTC" : $"{zone.Id} (UTC{Offset(zone.BaseUtcOffset)})";

    /// <summary>A bin width for people: "2 s", "5 min", "1 h", "1 d".</summary>
    public static string BinWidth(int seconds) => seconds switch
    {
        _ when seconds % 86400 == 0 => $"{seconds / 86400} d",
        _ when seconds % 3600 == 0 => $"{seconds / 3600} h",
        _ when seconds % 60 == 0 => $"{seconds / 60} min",
        _ => $"{seconds} s",
    };

    /// <summary>"1 h 02 min 03.5 s" style durations.</summary>
    public static string Duration(double seconds)
    {
        if (seconds < 60) return seconds.ToString("0.######", CultureInfo.InvariantCulture) + " s";
        var ts = TimeSpan.FromSeconds(seconds);
        return ts.TotalDays >= 1
            ? $"{(long)ts.TotalDays} d {ts.Hours:D2} h {ts.Minutes:D2} min"
            : ts.TotalHours >= 1 ? $"{(int)ts.TotalHours} h {ts.Minutes:D2} min {ts.Seconds:D2} s" : $"{ts.Minutes} min {ts.Seconds:D2} s";
    }

    private static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);

    private static (long Seconds, long Nanos) Split(long epochNanos)
    {
        long seconds = Math.DivRem(epochNanos, 1_000_000_000L, out long nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        return (seconds, nanos);
    }
}

using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>Writes one struct member with Go's omitempty rule (§6.2) or, for the <c>Required</c> forms, always.</summary>
internal static class GoFields
{
    /// <summary>The text Go writes for a zero <c>time.Time</c>.</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    public static void Int(GoJsonWriter w, ReadOnlySpan<byte> name, long value)
    {
        if (value != 0)
        {
            w.WritePropertyName(name);
            w.WriteNumberValue(value);
        }
    }

    public static void UInt(GoJsonWriter w, ReadOnlySpan<byte> name, ulong value)
    {
        if (value != 0)
        {
            w.WritePropertyName(name);
            w.WriteNumberValue(value);
        }
    }

    public static void RequiredInt(GoJsonWriter w, ReadOnlySpan<byte> name, long value)
    {
        w.WritePropertyName(name);
        w.WriteNumberValue(value);
    }

    public static void RequiredUInt(GoJsonWriter w, ReadOnlySpan<byte> name, ulong value)
    {
        w.WritePropertyName(name);
        w.WriteNumberValue(value);
    }

    public static void String(GoJsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WritePropertyName(name);
            w.WriteStringValue(value);
        }
    }

    public static void RequiredString(GoJsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        w.WritePropertyName(name);
        w.WriteStringValue(value ?? string.Empty);
    }

    /// <summary>A Go <c>time.Time</c> member: never omitted, kept as the text it was read as, zero time when absent.</summary>
    public static void Time(GoJsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        w.WritePropertyName(name);
        w.WriteStringValue(value ?? ZeroTime);
    }

    public static void Bool(GoJsonWriter w, ReadOnlySpan<byte> name, bool value)
    {
        if (value)
        {
            w.WritePropertyName(name);
            w.WriteBooleanValue(true);
        }
    }

    public static void RequiredBool(GoJsonWriter w, ReadOnlySpan<byte> name, bool value)
    {
        w.WritePropertyName(name);
        w.WriteBooleanValue(value);
    }

    public static void Strings(GoJsonWriter w, ReadOnlySpan<byte> name, List<string>? value)
    {
        if (value is { Count: > 0 })
        {
            w.WritePropertyName(name);
            GoMap.WriteStrings(w, value);
        }
    }

    public static void Intervals(GoJsonWriter w, ReadOnlySpan<byte> name, List<MillisInterval>? value)
    {
        if (value is not { Count: > 0 })
        {
            return;
        }

        w.WritePropertyName(name);
        w.WriteStartArray();
        foreach (var interval in value)
        {
            w.WriteStartArray();
            w.WriteNumberValue(interval.Start);
            w.WriteNumberValue(interval.End);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }
}

using Registry.Persistence.Json;

namespace Registry.Persistence.Snapshots;

/// <summary>Writes Go maps and slices: <c>null</c> for nil, map keys in UTF-8 byte order (§6.5).</summary>
internal static class GoMap
{
    public static void Write<T>(GoJsonWriter w, Dictionary<string, T>? map, Action<GoJsonWriter, T> write)
    {
        if (map is null)
        {
            w.WriteNullValue();
            return;
        }

        var keys = new string[map.Count];
        map.Keys.CopyTo(keys, 0);
        Utf8KeySorter.Sort(keys);
        w.WriteStartObject();
        foreach (var key in keys)
        {
            w.WritePropertyName(key);
            write(w, map[key]);
        }

        w.WriteEndObject();
    }

    public static void WriteList<T>(GoJsonWriter w, List<T>? list, Action<GoJsonWriter, T> write)
    {
        if (list is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartArray();
        foreach (var item in list)
        {
            write(w, item);
        }

        w.WriteEndArray();
    }

    public static void WriteStrings(GoJsonWriter w, List<string>? list)
    {
        if (list is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartArray();
        foreach (var item in list)
        {
            // A Go string cannot be nil; a null that slipped into the list is the empty string.
            w.WriteStringValue(item ?? string.Empty);
        }

        w.WriteEndArray();
    }

    public static void WriteNumbers(GoJsonWriter w, List<ushort>? list)
    {
        if (list is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartArray();
        foreach (var item in list)
        {
            w.WriteNumberValue((ulong)item);
        }

        w.WriteEndArray();
    }

    public static void WriteNumbers(GoJsonWriter w, List<uint>? list)
    {
        if (list is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartArray();
        foreach (var item in list)
        {
            w.WriteNumberValue((ulong)item);
        }

        w.WriteEndArray();
    }
}

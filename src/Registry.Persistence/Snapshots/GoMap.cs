using System.Buffers;
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

        // Keys and values are copied side by side (a Dictionary enumerates both in the same order) and walked in
        // key order, so no lookup per entry is needed. The copies are pooled: see Utf8KeySorter.Order.
        var count = map.Count;
        var keys = ArrayPool<string>.Shared.Rent(count);
        var values = ArrayPool<T>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        try
        {
            map.Keys.CopyTo(keys, 0);
            map.Values.CopyTo(values, 0);
            Utf8KeySorter.Order(keys.AsSpan(0, count), order);
            w.WriteStartObject();
            for (var i = 0; i < count; i++)
            {
                w.WritePropertyName(keys[order[i]]);
                write(w, values[order[i]]);
            }
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
            ArrayPool<T>.Shared.Return(values, clearArray: true);
            ArrayPool<int>.Shared.Return(order);
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

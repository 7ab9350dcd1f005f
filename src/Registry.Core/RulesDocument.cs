using System.Text.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Core;

/// <summary>A managed network's rules in one canonical JSON shape, the members of Go's <c>NetworkRules</c> in Go's order.</summary>
/// <remarks>
/// Rules are normalized when the network is created, so the state, the delta and the snapshot all hold the same
/// document and a snapshot round trip changes nothing. Unknown members are dropped (Go's decoder ignores them too).
/// </remarks>
internal static class RulesDocument
{
    /// <summary>Parses a rules object and returns its canonical bytes, or null with the reason.</summary>
    public static byte[]? Normalize(ReadOnlySpan<byte> json, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "invalid rules: must be a JSON object";
                return null;
            }

            var rules = new NetworkRules();
            foreach (var member in doc.RootElement.EnumerateObject())
            {
                switch (member.Name.ToLowerInvariant())
                {
                    case "links": rules.Links = member.Value.GetInt64(); break;
                    case "cycle": rules.Cycle = member.Value.GetString(); break;
                    case "prune": rules.Prune = member.Value.GetInt64(); break;
                    case "prune_by": rules.PruneBy = member.Value.GetString(); break;
                    case "fill": rules.Fill = member.Value.GetInt64(); break;
                    case "fill_how": rules.FillHow = member.Value.GetString(); break;
                    case "grace": rules.Grace = member.Value.GetString(); break;
                    default: break;
                }
            }

            return FromModel(rules);
        }
        catch (JsonException)
        {
            error = "invalid rules: not valid JSON";
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            // GetInt64/GetString on a member of the wrong JSON type.
            error = "invalid rules: a member has the wrong type";
            return null;
        }
    }

    /// <summary>The canonical bytes of a snapshot's rules.</summary>
    public static byte[] FromModel(NetworkRules rules)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("links", rules.Links);
            w.WriteString("cycle", rules.Cycle ?? string.Empty);
            w.WriteNumber("prune", rules.Prune);
            w.WriteString("prune_by", rules.PruneBy ?? string.Empty);
            w.WriteNumber("fill", rules.Fill);
            w.WriteString("fill_how", rules.FillHow ?? string.Empty);
            if (!string.IsNullOrEmpty(rules.Grace))
            {
                w.WriteString("grace", rules.Grace);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The snapshot model of canonical rules bytes.</summary>
    public static NetworkRules ToModel(byte[] canonical)
    {
        using var doc = JsonDocument.Parse(canonical);
        var root = doc.RootElement;
        return new NetworkRules
        {
            Links = root.GetProperty("links").GetInt64(),
            Cycle = root.GetProperty("cycle").GetString(),
            Prune = root.GetProperty("prune").GetInt64(),
            PruneBy = root.GetProperty("prune_by").GetString(),
            Fill = root.GetProperty("fill").GetInt64(),
            FillHow = root.GetProperty("fill_how").GetString(),
            Grace = root.TryGetProperty("grace", out var grace) ? grace.GetString() : null,
        };
    }
}

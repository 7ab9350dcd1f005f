using System.Text;
using System.Text.Json;

namespace Registry.Persistence.Tests.Legacy;

/// <summary>The contents of a fixture's <c>wal-*.expected.json</c>, parsed with the DOM.</summary>
public sealed class ExpectedWal
{
    private ExpectedWal(JsonElement root)
    {
        FileSize = root.GetProperty("file_size").GetInt64();
        var replay = root.GetProperty("original_replay");
        Count = replay.GetProperty("count").GetInt32();
        Error = replay.GetProperty("error").ValueKind == JsonValueKind.Null ? null : replay.GetProperty("error").GetString();
        Entries = [.. root.GetProperty("entries").EnumerateArray().Select(e => new ExpectedEntry(
            e.GetProperty("offset").GetInt64(),
            e.GetProperty("length").GetInt32(),
            e.GetProperty("seq_no").GetUInt64(),
            e.GetProperty("type").GetByte(),
            e.GetProperty("node_id").GetUInt32(),
            e.GetProperty("data_raw").ValueKind == JsonValueKind.Null ? null : Encoding.UTF8.GetBytes(e.GetProperty("data_raw").GetString()!),
            Encoding.UTF8.GetBytes(e.GetProperty("record_json").GetString()!),
            e.GetProperty("applied_by_original").GetString() == "applied"))];
        Skipped = [.. root.GetProperty("skipped").EnumerateArray().Select(s => (s.GetProperty("offset").GetInt64(), s.GetProperty("length").GetInt32()))];
        UnconsumedTailBytes = root.GetProperty("unconsumed_tail_bytes").GetInt64();
    }

    public long FileSize { get; }

    public int Count { get; }

    public string? Error { get; }

    public IReadOnlyList<ExpectedEntry> Entries { get; }

    public IReadOnlyList<(long Offset, int Length)> Skipped { get; }

    public long UnconsumedTailBytes { get; }

    /// <summary>Loads the expectation that goes with a <c>.wal</c> fixture name.</summary>
    public static ExpectedWal For(string walName)
    {
        var path = Fixtures.Go(walName.Replace(".wal", ".expected.json", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return new ExpectedWal(doc.RootElement);
    }
}

/// <summary>One entry of an expected file; <see cref="DataRaw"/> is null when the record has no <c>data</c>.</summary>
public sealed record ExpectedEntry(long Offset, int Length, ulong SeqNo, byte Type, uint NodeId, byte[]? DataRaw, byte[] RecordJson, bool Applied);

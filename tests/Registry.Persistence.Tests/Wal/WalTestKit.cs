using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.IO;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Tests.Wal;

/// <summary>Shared helpers for log tests: options, payloads and reading a log back.</summary>
internal static class WalTestKit
{
    public static WalOptions Options(string dir, IStorage? storage = null, long segmentSize = WalOptions.DefaultSegmentSizeBytes, long maxSize = WalOptions.DefaultMaxSizeBytes, bool recoverPrefix = false) =>
        new() { Directory = dir, Storage = storage ?? OsStorage.Instance, SegmentSizeBytes = segmentSize, MaxSizeBytes = maxSize, RecoverPrefix = recoverPrefix };

    public static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"{{\"node_id\":{i},\"hostname\":\"node-{i}\",\"tags\":[\"t{i % 7}\"]}}");

    public static async Task<List<ulong>> AppendMany(WriteAheadLog wal, int count, int start = 0)
    {
        var seqs = new List<ulong>();
        for (var i = start; i < start + count; i++)
        {
            seqs.Add(await wal.AppendAsync(DeltaType.Tags, (uint)i, Payload(i), TestContext.Current.CancellationToken));
        }

        return seqs;
    }

    /// <summary>Every durable record as (seq, type, node, payload text).</summary>
    public static List<(ulong Seq, DeltaType Type, uint Node, string Data)> ReadAll(WriteAheadLog wal, ulong from = 0)
    {
        var list = new List<(ulong, DeltaType, uint, string)>();
        wal.Read(from, (in WalRecord r) => list.Add((r.Entry.SeqNo, r.Entry.Type, r.Entry.NodeId, Encoding.UTF8.GetString(r.Entry.Data.Span))));
        return list;
    }

    /// <summary>The only segment, cut to its last record (dropping the zero-filled preallocation) so byte sweeps see records only.</summary>
    public static string SingleSegment(string dir)
    {
        var segment = Directory.GetFiles(dir, "*.wal").Single();
        var end = WalReader.Read(segment, onRecord: null).ValidBytes;
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(end);
        }

        return segment;
    }

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            if (Path.GetFileName(file) != DirectoryLock.FileName)
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }
    }
}
